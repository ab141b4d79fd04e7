"""The BPM core: how a case advances. The only package that imports SpiffWorkflow.

bpmn_xml, definitions, linter   parse (hardened), build and lint a deployable bundle
deployment, definition_cache    versioned deployment; deployed definitions read once
runtime                         CaseRun: one case inside one command (step, rows, save)
spiff_state, state_format       the saved state: pruned tree, versions and migrations
migration                       moving a running case to another version (checks, in words)
scripting, sandbox              analysts' expressions and scripts, under limits
forms                           form data against its JSON Schema (fields only from it)
calendar, clock                 business days (Colombian holidays), the injected clock
services                        what handlers see of the engine (HandlerContext)
"""
