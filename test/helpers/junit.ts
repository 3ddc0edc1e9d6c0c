// A JUnit report read by a real XML parser (Python's xml.etree, from the test interpreter): what a
// CI system's reporter would see, as plain data.
import { execFileSync } from 'node:child_process';
import { python } from './paths.js';

export interface JUnitCase {
  readonly name: string;
  readonly classname: string;
  readonly time: number;
  /** failure, skipped, warn (a "status" property) or pass. */
  readonly outcome: 'failure' | 'skipped' | 'warn' | 'pass';
  readonly message: string | null;
  readonly text: string;
}

export interface JUnitSuite {
  readonly attributes: Record<string, string>;
  readonly properties: Record<string, string>;
  readonly cases: JUnitCase[];
}

const READER = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = []
for suite in root.findall("testsuite"):
    cases = []
    for case in suite.findall("testcase"):
        failure, skipped = case.find("failure"), case.find("skipped")
        status = {p.get("name"): p.get("value") for p in case.iter("property")}.get("status")
        outcome = "failure" if failure is not None else "skipped" if skipped is not None else "warn" if status == "warn" else "pass"
        detail = failure if failure is not None else skipped
        out = case.find("system-out")
        cases.append({"name": case.get("name"), "classname": case.get("classname"), "time": float(case.get("time")),
                      "outcome": outcome, "message": None if detail is None else detail.get("message"),
                      "text": ((detail.text if detail is not None else None) or (out.text if out is not None else None) or "")})
    props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    suites.append({"attributes": dict(suite.attrib), "properties": props, "cases": cases})
print(json.dumps(suites))
`;

export function readJUnit(path: string): JUnitSuite[] {
  return JSON.parse(execFileSync(python(), ['-c', READER, path], { encoding: 'utf8' })) as JUnitSuite[];
}
