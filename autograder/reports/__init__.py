"""The report stage: class reports (`class_reports`), Gradescope results, feedback, Canvas export.

Kept free of imports, so that a front end importing one report module (the Gradescope bundle
imports `gradescope_json`) never loads the others (the class report needs matplotlib).
"""
