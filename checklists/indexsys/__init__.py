"""Evaluation index systems (评价指标体系): the tree of indicators a zone is scored against.

An index system is a document an office writes or edits and loads for one plan, like the plan's
catalog: so it lives beside the catalog, with its own bounded YAML and XLSX readers, and is
validated against that catalog (every measure and numeric indicator it maps to must exist).
Scoring by it, working days and the formal review's gaps are workflow rules: they are in
`workflow.domain`.

- `model`: indicators, evidence slots, grade lines (frozen dataclasses, field bounds);
- `rules`: what makes a set of indicators one valid tree, and its mapping to a catalog;
- `system`: the validated index system and its lookups;
- `reading`: raw records (from either file format) to a system, errors located;
- `yaml_file`, `xlsx_file`: the two file formats; `example`: the example system of a plan.
"""
