"""Reports for people: every output built once as neutral tables, rendered by one writer each.

* :mod:`~lumledger.reports.tables` — the model (columns with kinds, rows, reports); standard
  library only.
* Builders, one home each: :mod:`~lumledger.reports.rollup_tables` (the roll-up),
  :mod:`~lumledger.reports.reconciliation_tables` (the reconciliation),
  :mod:`~lumledger.reports.findings_table` (findings), :mod:`~lumledger.reports.official_tables`
  (Bilaga 1 and 2).
* Writers, one per target: :mod:`~lumledger.reports.text_writer` (terminal),
  :mod:`~lumledger.reports.json_writer`, :mod:`~lumledger.reports.xlsx_writer`,
  :mod:`~lumledger.reports.docx_writer`, :mod:`~lumledger.reports.csv_writer`, and
  :mod:`lumledger.xl.sheets` for the live Excel sheets; the rules they share (Swedish text of a
  value, column widths, wrapped lines) are in :mod:`~lumledger.reports.layout`.
* :mod:`~lumledger.reports.official_files` — ``lumledger export``'s files, written atomically.
"""
