"""``python -m lumledger``: the same command line as the ``lumledger`` program."""

from lumledger.cli import main

main(prog_name="lumledger")
