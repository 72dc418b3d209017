"""lumledger: validation, roll-ups, official tables and reconciliation for the LUM grant ledger.

The package root imports nothing heavy: ``lumledger --help`` must start fast.
"""

__version__ = "0.1.0"
