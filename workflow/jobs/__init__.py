"""Work done off the web request: the task queue (huey), render jobs, the worker's periodic tasks."""
