"""docs/clinical-rules.md names the test that holds each rule: each must exist, under that name."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "clinical-rules.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def test_every_test_the_clinical_rules_name_exists():
    references = REFERENCE.findall(DOC.read_text())
    missing = [f"{file}::{name}" for file, name in references if name not in defined_tests(ROOT / file)]
    assert references and missing == []


def test_every_rule_of_the_table_names_a_test():
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows and [row for row in rows if not REFERENCE.search(row.rsplit("|", 2)[1])] == []
