#!/usr/bin/python3
"""Unit test of check_fleet.py on hand-made truth and analyze JSON.

usage: test_check_fleet.py   (exit 0 when every case passes)"""
import copy
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_fleet.py")
spec = importlib.util.spec_from_file_location("check_fleet", CHECKER)
cf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cf)

TRUTH = {
    "generator": "hand-made",
    "chains": [
        {"id": "P001", "account": "CONTOSO\\adm001", "start": "2026-03-04T09:00:00.0000000Z",
         "hosts": ["ws0001", "srv001", "srv002"],
         "hops": [
             {"src": "ws0001", "dst": "srv001", "time": "2026-03-04T09:00:00.0000000Z",
              "account": "CONTOSO\\adm001", "anonymous": False, "package": "Kerberos", "logon_type": 3},
             {"src": "srv001", "dst": "srv002", "time": "2026-03-04T09:03:00.5000000Z",
              "account": "ANONYMOUS LOGON", "anonymous": True, "package": "NTLM", "logon_type": 3}],
         "findings": [{"id": "anonymous-second-hop", "hop": 2}]},
        {"id": "P002", "account": "CONTOSO\\adm002", "start": "2026-03-04T11:00:00.0000000Z",
         "hosts": ["ws0002", "srv003", "srv004", "srv005"],
         "hops": [
             {"src": "ws0002", "dst": "srv003", "time": "2026-03-04T11:00:00.0000000Z",
              "account": "CONTOSO\\adm002", "anonymous": False, "package": "Negotiate", "logon_type": 8},
             {"src": "srv003", "dst": "srv004", "time": "2026-03-04T11:02:00.0000000Z",
              "account": "CONTOSO\\adm002", "anonymous": False, "package": "NTLM", "logon_type": 3},
             {"src": "srv004", "dst": "srv005", "time": "2026-03-04T11:05:00.0000000Z",
              "account": "CONTOSO\\adm002", "anonymous": False, "package": "Kerberos", "logon_type": 3}],
         "findings": [{"id": "credssp-exposure", "hop": 1}, {"id": "unexpected-package", "hop": 2}]},
    ],
}


def hop(src, dst, t, acct, anon=False, pkg="Kerberos", lt=3):
    return {"src_host": src, "dst_host": dst, "time": t, "account": acct, "package": pkg,
            "logon_type": lt, "anonymous": anon, "event_id": 4624, "evidence": []}


ANALYSIS = {
    "chains": [
        {"id": "C0001", "hops": [
            # names as the engine may print them: FQDN, upper case, user@REALM
            hop("WS0001.contoso.local", "srv001", "2026-03-04T09:00:00.1000000Z", "adm001@CONTOSO.LOCAL"),
            hop("srv001", "SRV002.CONTOSO.LOCAL", "2026-03-04T09:03:00.5000000Z", "ANONYMOUS LOGON",
                anon=True, pkg="NTLM")],
         "findings": [{"id": "anonymous-second-hop", "severity": "high", "hop": 2}]},
        {"id": "C0002", "hops": [
            hop("ws0002", "srv003", "2026-03-04T11:00:00Z", "CONTOSO\\adm002", pkg="Negotiate", lt=8),
            hop("srv003", "srv004", "2026-03-04T11:02:00Z", "contoso\\ADM002", pkg="NTLM"),
            hop("srv004", "srv005", "2026-03-04T11:05:00Z", "adm002")],
         "findings": [{"id": "credssp-exposure", "severity": "high", "hop": 1},
                      {"id": "unexpected-package", "severity": "medium", "hop": 2},
                      {"id": "delegation", "severity": "info", "hop": 3}]},
        # single hops never count
        {"id": "C0003", "hops": [hop("ws0009", "srv009", "2026-03-04T12:00:00Z", "u_ws0009")],
         "findings": []},
    ],
}


class CheckFleet(unittest.TestCase):
    def run_check(self, analysis, truth=TRUTH, **kw):
        return cf.check(truth, analysis, **kw)

    def test_pass(self):
        ok, lines = self.run_check(ANALYSIS)
        self.assertTrue(ok, lines)
        self.assertIn("found P001 as C0001", lines)
        self.assertIn("found P002 as C0002", lines)

    def test_missing_chain(self):
        a = copy.deepcopy(ANALYSIS)
        del a["chains"][1]
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertTrue(any(l.startswith("MISSING P002") for l in lines), lines)

    def test_wrong_account(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"][1]["hops"][2]["account"] = "CONTOSO\\someone"
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertTrue(any(l.startswith("MISSING P002") for l in lines))
        self.assertTrue(any(l.startswith("UNEXPECTED") and "C0002" in l for l in lines), lines)

    def test_anonymous_must_stay_anonymous(self):
        a = copy.deepcopy(ANALYSIS)
        h = a["chains"][0]["hops"][1]
        h["anonymous"], h["account"] = False, "CONTOSO\\adm001"
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertTrue(any(l.startswith("MISSING P001") for l in lines))

    def test_missing_finding(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"][1]["findings"] = [f for f in a["chains"][1]["findings"]
                                      if f["id"] != "unexpected-package"]
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertIn("FINDINGS P002 as C0002: missing unexpected-package (hop 2)", lines)

    def test_finding_on_wrong_hop(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"][0]["findings"][0]["hop"] = 1
        ok, _ = self.run_check(a)
        self.assertFalse(ok)

    def test_extra_chain_unrelated(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"].append({"id": "C0009", "hops": [
            hop("ws0050", "srv050", "2026-03-04T13:00:00Z", "u_ws0050"),
            hop("srv050", "srv051", "2026-03-04T13:01:00Z", "u_ws0050")], "findings": []})
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertTrue(any("UNEXPECTED chain (unrelated to any planted chain): C0009" in l
                            for l in lines), lines)

    def test_fragment_of_planted_chain(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"].append({"id": "C0010", "hops": copy.deepcopy(a["chains"][1]["hops"][:2]),
                            "findings": []})
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertTrue(any("a fragment of planted P002" in l for l in lines), lines)

    def test_longer_chain_is_not_the_planted_one(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"][0]["hops"].append(hop("srv002", "srv099", "2026-03-04T09:04:00Z", "x"))
        ok, lines = self.run_check(a)
        self.assertFalse(ok)
        self.assertTrue(any(l.startswith("MISSING P001") for l in lines))

    def test_duplicate(self):
        a = copy.deepcopy(ANALYSIS)
        dup = copy.deepcopy(a["chains"][0])
        dup["id"] = "C0011"
        a["chains"].append(dup)
        ok, lines = self.run_check(a)
        self.assertTrue(ok, lines)
        self.assertTrue(any(l.startswith("warning: duplicate P001") for l in lines))
        ok, lines = self.run_check(a, no_duplicates=True)
        self.assertFalse(ok)

    def test_time_tolerance(self):
        a = copy.deepcopy(ANALYSIS)
        a["chains"][0]["hops"][0]["time"] = "2026-03-04T09:10:00Z"
        ok, _ = self.run_check(a)
        self.assertFalse(ok)
        ok, _ = self.run_check(a, tol=None)
        self.assertTrue(ok)
        ok, _ = self.run_check(a, tol=700.0)
        self.assertTrue(ok)

    def test_names(self):
        self.assertEqual(cf.host("\\\\SERVER1.contoso.local"), "server1")
        self.assertEqual(cf.host("10.0.0.21"), "10.0.0.21")
        self.assertEqual(cf.host(None), "?")
        self.assertEqual(cf.account("CONTOSO\\TestUser"), "testuser")
        self.assertEqual(cf.account("testuser@CONTOSO.LOCAL"), "testuser")
        self.assertAlmostEqual(cf.when("2026-03-04T09:00:00.1234567Z") - cf.when("2026-03-04T09:00:00Z"),
                               0.1234567, places=6)
        self.assertEqual(cf.when("2026-03-04T10:00:00+01:00"), cf.when("2026-03-04T09:00:00Z"))

    def test_cli(self):
        with tempfile.TemporaryDirectory() as d:
            t, good, bad = (os.path.join(d, n) for n in ("t.json", "good.json", "bad.json"))
            for path, obj in ((t, TRUTH), (good, ANALYSIS), (bad, {"chains": []})):
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(obj, f)
            run = lambda *args: subprocess.run([sys.executable, CHECKER, *args],
                                               capture_output=True, text=True)
            r = run("--truth", t, "--analyze-json", good)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("PASS: 2 planted, 2 found", r.stdout)
            r = run("--truth", t, "--analyze-json", bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn("FAIL", r.stdout)
            r = run("--truth", t, "--analyze-json", os.path.join(d, "absent.json"))
            self.assertEqual(r.returncode, 2)
            with open(bad, "w", encoding="utf-8") as f:
                f.write("{not json")
            r = run("--truth", t, "--analyze-json", bad)
            self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=1)
