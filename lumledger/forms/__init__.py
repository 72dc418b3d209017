"""The city's forms into the ledger (issue 15): filled-in application and report forms (.docx).

* :mod:`lumledger.forms.docx` — a form is untrusted input: the workbook package layer's checks
  (no DTD or entities, size and ratio limits, no external relationships followed) before any XML
  parser sees it;
* :mod:`lumledger.forms.reading` — :func:`~lumledger.forms.reading.read_form`: recognise the form by
  its title and read every field, from tagged content controls, two-column tables or paragraphs,
  with problems field by field;
* :mod:`lumledger.forms.rows` — a read form as ledger rows (``Ansökningar``, ``Budget``,
  ``Redovisningar``);
* :mod:`lumledger.forms.importer` — ``lumledger import``: match each form to its application, plan
  the cells and write them with the safe writer.
"""
