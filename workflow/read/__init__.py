"""The read side: typed, scoped views of plans, measures, evidence and their progress.

Every function here takes a session or unit of work, the viewer (an `Actor`, or None for the
deployment's operator) and ids, asks `workflow.services.visibility` once, and returns frozen
dataclasses. The pages, the API, the CLI listings, the reports, the ledger and the bundle all
read through here; the JSON export (`reports.export`) is one rendering of these rows.
Nothing here writes, and nothing here imports `reports`.
"""
