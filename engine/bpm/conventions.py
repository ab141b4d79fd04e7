"""Names the BPMN conventions fix (docs/bpmn-conventions.md), read by the linter and by the
runtime: here, so a case runs without importing the linter (its parser, forms and templates)."""

from __future__ import annotations

# Lanes whose group or person is decided per case, and the property that decides it.
DYNAMIC_LANES = {
    "organismo": "candidateGroupExpression",
    "delegado": "assigneeExpression",
    "responsable": "assigneeExpression",
}

# The end event's property that says, in words, how a case that ends there turned out.
OUTCOME_PROPERTY = "outcome"
