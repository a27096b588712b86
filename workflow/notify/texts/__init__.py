"""The Chinese wording of messages, one module per kind of event (reminders, decisions,
extensions and appeals, reports): subject and body built from typed facts, no database."""
