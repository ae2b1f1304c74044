"""Turn regrtest's --junit-xml file into one console line per test.

Usage: summarize.py INDEX FILE. Prints "@@PY T INDEX STATUS TESTID" where
STATUS is pass, skip, fail or error (an expected failure counts as pass, an
unexpected success as fail, as unittest's wasSuccessful does).
"""
import sys
import xml.etree.ElementTree as ET

index, path = sys.argv[1], sys.argv[2]
for case in ET.parse(path).getroot().iter("testcase"):
    kinds = {child.tag for child in case}
    if "error" in kinds:
        status = "error"
    elif "failure" in kinds or "unexpected_success" in kinds:
        status = "fail"
    elif "skipped" in kinds:
        status = "skip"
    else:
        status = "pass"
    name = " ".join(case.get("name", "?").split())
    print("@@PY T", index, status, name, flush=True)
