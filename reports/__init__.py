"""Reports: the JSON export, PDF documents (Jinja2 + WeasyPrint), the evidence bundle and the ledger."""
