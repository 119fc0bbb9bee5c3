#!/usr/bin/python3
"""Write tests/writer/roundtrip.json: every event type and template version
hc-evtxgen supports, with explicit values for every Data field (SIDs, zero and
non-zero GUIDs, hex logon ids, empty strings, "-", %%codes, hostile text and a
20 KB string), plus enough background events to span several chunks.
Run it only to change the committed scenario."""
import json
import os

HOSTILE = ("\x1b[31mRED\x1b[0m \x1b]0;title\x07 \"dq\" 'sq' <tag attr=\"v\">&amp; & </Data> ]]> "
           "\x01\x02\x7f \r\n\ttab \u00e9\u00df \U0001F600 %%1833 \u2028 back\\slash")
BIG = "".join(chr(0x41 + (i * 7) % 26) for i in range(20000))

SUBJ = {"SubjectUserSid": "S-1-5-18", "SubjectUserName": "WS1$", "SubjectDomainName": "RT",
        "SubjectLogonId": "0x3e7"}
LOGON0 = dict(SUBJ, TargetUserSid="S-1-5-21-100-200-300-1104", TargetUserName="tester",
              TargetDomainName="RT", TargetLogonId="0x1a2b3c4d5e", LogonType=3,
              LogonProcessName="NtLmSsp ", AuthenticationPackageName="NTLM",
              WorkstationName="", LogonGuid="{00000000-0000-0000-0000-000000000000}",
              TransmittedServices="-", LmPackageName="NTLM V2", KeyLength=128,
              ProcessId="0x0", ProcessName="", IpAddress="10.9.8.7", IpPort="50123")


def ev(t, eid, ver, fields, **kw):
    e = {"t": t, "id": eid, "version": ver, "fields": fields}
    e.update(kw)
    return e


def main():
    t = "2026-04-01T10:00:%02d.%07dZ"
    ws = []
    n = [0]

    def tt():
        n[0] += 1
        return t % (n[0], n[0] * 1234567 % 10000000)

    ws.append(ev(tt(), 4608, 0, {}))
    ws.append(ev(tt(), 4624, 0, dict(LOGON0)))
    ws.append(ev(tt(), 4624, 1, dict(LOGON0, ImpersonationLevel="%%1832",
                                      LogonGuid="{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}",
                                      LogonProcessName="Kerberos", AuthenticationPackageName="Kerberos",
                                      LmPackageName="-", KeyLength=0, WorkstationName="-")))
    ws.append(ev(tt(), 4624, 2, dict(LOGON0, ImpersonationLevel="%%1833", RestrictedAdminMode="-",
                                      TargetOutboundUserName="-", TargetOutboundDomainName="-",
                                      VirtualAccount="%%1843", TargetLinkedLogonId="0xffffffffffffffff",
                                      ElevatedToken="%%1842", WorkstationName=HOSTILE,
                                      ProcessId="0x1234abcd", ProcessName="C:\\Windows\\System32\\svchost.exe")))
    ws.append(ev(tt(), 4624, 3, dict(LOGON0, ImpersonationLevel="%%1840", RestrictedAdminMode="%%1843",
                                      RemoteCredentialGuard="%%1842", TargetOutboundUserName="other",
                                      TargetOutboundDomainName="OTHERDOM", VirtualAccount="%%1842",
                                      TargetLinkedLogonId="0x0", ElevatedToken="%%1843", LogonType=10,
                                      TransmittedServices="", IpPort="0")))
    ws.append(ev(tt(), 4625, 0, {"SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-",
                                 "SubjectLogonId": "0x0", "TargetUserSid": "S-1-0-0", "TargetUserName": "nobody",
                                 "TargetDomainName": "RT", "Status": "0xc000006d", "FailureReason": "%%2313",
                                 "SubStatus": "0xc0000064", "LogonType": 3, "LogonProcessName": "NtLmSsp ",
                                 "AuthenticationPackageName": "NTLM", "WorkstationName": "KALI",
                                 "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0,
                                 "ProcessId": "0x0", "ProcessName": "-", "IpAddress": "192.0.2.66",
                                 "IpPort": "41000"}))
    ws.append(ev(tt(), 4634, 0, {"TargetUserSid": "S-1-5-7", "TargetUserName": "ANONYMOUS LOGON",
                                 "TargetDomainName": "NT AUTHORITY", "TargetLogonId": "0x11d8aef", "LogonType": 3}))
    ws.append(ev(tt(), 4647, 0, {"TargetUserSid": "S-1-5-21-100-200-300-500", "TargetUserName": "Administrator",
                                 "TargetDomainName": "RT", "TargetLogonId": "0x8dcdc"}))
    ws.append(ev(tt(), 4648, 0, dict(SUBJ, LogonGuid="{5FDB15EE-2283-F23C-E23B-5E5DDB11BB9C}",
                                     TargetUserName="tester", TargetDomainName="rt.local",
                                     TargetLogonGuid="{00000000-0000-0000-0000-000000000000}",
                                     TargetServerName="srv.rt.local", TargetInfo="HTTP/srv.rt.local",
                                     ProcessId="0xffffffff", ProcessName=BIG, IpAddress="::1", IpPort="0")))
    ws.append(ev(tt(), 4672, 0, dict(SUBJ, PrivilegeList="SeTcbPrivilege\r\n\t\t\tSeDebugPrivilege")))
    ws.append(ev(tt(), 4776, 0, {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
                                 "TargetUserName": "tester", "Workstation": "WS1", "Status": "0xc000006a"}))
    ws.append(ev(tt(), 4778, 0, {"AccountName": "tester", "AccountDomain": "RT", "LogonID": "0x5e6f",
                                 "SessionName": "RDP-Tcp#3", "ClientName": "LAPTOP", "ClientAddress": "::ffff:10.1.1.1"}))
    ws.append(ev(tt(), 4779, 0, {"AccountName": "tester", "AccountDomain": "RT", "LogonID": "0x5e6f",
                                 "SessionName": "Console", "ClientName": "Unknown", "ClientAddress": "LOCAL"}))
    # Shorthand-only events exercise the defaults as well.
    ws.append({"t": tt(), "id": 4624, "user": "tester", "type": 3, "package": "Kerberos", "from": "dc1",
               "as": "k"})
    ws.append({"t": tt(), "id": 4624, "user": "ANONYMOUS LOGON", "type": 3, "from": "dc1", "as": "anon"})
    ws.append({"t": tt(), "id": 4634, "session": "anon"})
    ws.append({"t": tt(), "id": 4634, "session": "k", "fields": {"TargetUserName": ""}})

    # Witnesses: every field explicit (extreme values of each type), then
    # the shorthands (process labels, a connection by a process, "via").
    ws.append(ev(tt(), 5156, 1, {"ProcessID": "18446744073709551615", "Application": HOSTILE,
                                 "Direction": "%%14593", "SourceAddress": "fe80::80ac:4126:fa58:1b81",
                                 "SourcePort": "546", "DestAddress": "ff02::1:2", "DestPort": "547",
                                 "Protocol": 17, "FilterRTID": "0", "LayerName": "%%14611",
                                 "LayerRTID": "50", "RemoteUserID": "S-1-0-0",
                                 "RemoteMachineID": "S-1-5-21-100-200-300-1201"}))
    ws.append(ev(tt(), 5158, 0, {"ProcessId": "4", "Application": "System", "SourceAddress": "::",
                                 "SourcePort": "64469", "Protocol": 6, "FilterRTID": "4294967296",
                                 "LayerName": "%%14608", "LayerRTID": "38"}))
    ws.append(ev(tt(), 4688, 2, dict(SUBJ, NewProcessId="0x1684", NewProcessName="C:\\Windows\\System32\\dsregcmd.exe",
                                     TokenElevationType="%%1936", ProcessId="0xffffffffffffffff",
                                     CommandLine=BIG, TargetUserSid="S-1-0-0", TargetUserName="-",
                                     TargetDomainName="-", TargetLogonId="0x0",
                                     ParentProcessName="", MandatoryLabel="S-1-16-16384")))
    ws.append(ev(tt(), 8001, 0, {"TargetName": "cifs/srv.rt.local", "UserName": "", "DomainName": "(NULL)",
                                 "CallerPID": 4294967295, "ProcessName": HOSTILE, "ClientLUID": "0x1a2b3c4d5e",
                                 "ClientUserName": "tester", "ClientDomainName": "RT",
                                 "MechanismOID": "1.3.6.1.4.1.311.2.2.10"}))
    ws.append(ev(tt(), 1, 5, {"RuleName": "-", "UtcTime": "2026-04-01 10:00:29.123",
                              "ProcessGuid": "{9F85CE58-934E-5F2B-F003-000000000400}", "ProcessId": 4294967295,
                              "Image": HOSTILE, "FileVersion": "", "Description": "-", "Product": "Microsoft\u00ae",
                              "Company": "-", "OriginalFileName": "x.exe", "CommandLine": BIG,
                              "CurrentDirectory": "C:\\", "User": "RT\\tester",
                              "LogonGuid": "{9F85CE58-59D8-5F2B-E703-000000000000}", "LogonId": "0x3e7",
                              "TerminalSessionId": 0, "IntegrityLevel": "System", "Hashes": "SHA1=00",
                              "ParentProcessGuid": "{00000000-0000-0000-0000-000000000000}",
                              "ParentProcessId": 0, "ParentImage": "", "ParentCommandLine": ""}))
    ws.append(ev(tt(), 3, 5, {"RuleName": "Suspicious NetCon", "UtcTime": "2026-04-01 10:00:30.999",
                              "ProcessGuid": "{9F85CE58-934E-5F2B-F003-000000000400}", "ProcessId": 0,
                              "Image": "System", "User": "NT AUTHORITY\\SYSTEM", "Protocol": "udp",
                              "Initiated": True, "SourceIsIpv6": "false", "SourceIp": "10.0.0.11",
                              "SourceHostname": HOSTILE, "SourcePort": 65535, "SourcePortName": "",
                              "DestinationIsIpv6": False, "DestinationIp": "10.0.0.5",
                              "DestinationHostname": "-", "DestinationPort": 0, "DestinationPortName": "-"}))
    ws.append({"t": tt(), "id": 4624, "user": "tester", "type": 2, "as": "con"})
    ws.append({"t": tt(), "id": 1, "as": "ps", "session": "con",
               "image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"})
    ws.append({"t": tt(), "id": 4688, "proc": "ps", "session": "con"})
    ws.append({"t": tt(), "id": 1, "as": "child", "parent": "ps", "session": "con", "image": "C:\\Windows\\System32\\net.exe",
               "command_line": "net use \\\\dc1\\c$"})
    ws.append({"t": tt(), "id": 4688, "proc": "child", "subject": "con", "session": "con"})
    ws.append({"t": tt(), "id": 3, "proc": "ps", "to": "dc1", "dport": 135})
    ws.append({"t": tt(), "id": 3, "inbound": True, "from": "10.0.0.99", "dport": 445, "sport": 40000})
    ws.append({"t": tt(), "id": 5156, "proc": "child", "to": "10.9.9.9", "dport": 443})
    ws.append({"t": tt(), "id": 5156, "inbound": True, "from": "dc1", "dport": 135})
    ws.append({"t": tt(), "id": 5158, "proc": "ps", "protocol": "udp"})
    ws.append({"t": tt(), "id": 8001, "session": "con", "proc": "ps", "server": "dc1"})

    tgt = {"TargetUserName": "tester", "TargetDomainName": "RT.LOCAL", "TargetSid": "S-1-5-21-100-200-300-1104",
           "ServiceName": "krbtgt", "ServiceSid": "S-1-5-21-100-200-300-502", "TicketOptions": "0x40810010",
           "Status": "0x0", "TicketEncryptionType": "0x12", "PreAuthType": "2", "IpAddress": "::ffff:10.0.0.11",
           "IpPort": "51234", "CertIssuerName": "", "CertSerialNumber": "", "CertThumbprint": ""}
    v2 = {"AccountSupportedEncryptionTypes": "0x27 (DES, RC4, AES-Sha1)", "AccountAvailableKeys": "AES-SHA1, RC4",
          "ServiceSupportedEncryptionTypes": "0x1F (DES, RC4, AES128-SHA96, AES256-SHA96)",
          "ServiceAvailableKeys": "AES-SHA1, RC4", "DCSupportedEncryptionTypes": "0x1C (RC4, AES128-SHA96, AES256-SHA96)",
          "DCAvailableKeys": "AES-SHA1, RC4",
          "ClientAdvertizedEncryptionTypes": "\r\n\t\tAES256-CTS-HMAC-SHA1-96\r\n\t\tRC4-HMAC-NT",
          "SessionKeyEncryptionType": "0x12"}
    tgs = {"TargetUserName": "tester@RT.LOCAL", "TargetDomainName": "RT.LOCAL", "ServiceName": "WS1$",
           "ServiceSid": "S-1-5-21-100-200-300-1201", "TicketOptions": "0x60810010", "TicketEncryptionType": "0x17",
           "IpAddress": "::ffff:10.0.0.21", "IpPort": "0", "Status": "0x20",
           "LogonGuid": "{C9E5D1A0-0000-4000-8000-00000000ABCD}", "TransmittedServices": "-"}
    dc = [
        ev(tt(), 4768, 0, dict(tgt)),
        ev(tt(), 4768, 1, dict(tgt, ResponseTicket="n/a", Status="0x6", TicketEncryptionType="0xffffffff")),
        ev(tt(), 4768, 2, dict(tgt, ResponseTicket="sJ0zJnNtx3/a60YJTp3jF0=", PreAuthEncryptionType="0x12", **v2)),
        ev(tt(), 4769, 0, dict(tgs)),
        ev(tt(), 4769, 1, dict(tgs, RequestTicketHash="AbC=", ResponseTicketHash=HOSTILE)),
        ev(tt(), 4769, 2, dict(tgs, RequestTicketHash="n/a", ResponseTicketHash="n/a", **v2)),
        ev(tt(), 4771, 0, {"TargetUserName": "tester", "TargetSid": "S-1-5-21-100-200-300-1104",
                           "ServiceName": "krbtgt/RT.LOCAL", "TicketOptions": "0x40810010", "Status": "0x18",
                           "PreAuthType": "2", "IpAddress": "::ffff:10.0.0.99", "IpPort": "60000",
                           "CertIssuerName": "", "CertSerialNumber": "", "CertThumbprint": ""}),
        {"t": tt(), "id": 4768, "user": "tester", "from": "ws1"},
        {"t": tt(), "id": 4769, "user": "tester", "service": "ws1", "from": "ws1"},
        {"t": tt(), "id": 4771, "user": "tester", "from": "10.0.0.99"},
        {"t": tt(), "id": 4776, "user": "tester", "from": "ws1", "status": "0x0"},
        {"t": tt(), "id": 4624, "user": "tester", "type": 3, "package": "NTLM", "from": "ws1", "as": "n",
         "via": {"proc": "ps", "dport": 445, "target": True}},
        {"t": tt(), "id": 4624, "user": "tester", "type": 3, "package": "Kerberos", "from": "ws1", "ip": "-",
         "port": "-", "via": {"dport": 5985, "lead": 0.5, "sysmon": False}},
    ]
    sc = {
        "_about": "Generated by tests/writer/make_roundtrip.py; read by tests/writer/roundtrip.py.",
        "domain": {"netbios": "RT", "dns": "rt.local", "sid": "S-1-5-21-100-200-300"},
        "accounts": {"tester": {"rid": 1104, "admin": True}, "Administrator": {"rid": 500, "admin": True},
                     "alice": {"rid": 1105}, "bob": {"rid": 1106}},
        "hosts": [
            {"name": "ws1", "ip": "10.0.0.11", "rid": 1201, "first_record_id": 7, "events": ws,
             "sysmon": {"file": "ws1-sysmon.evtx", "first_record_id": 900}, "ntlm": True},
            {"name": "dc1", "ip": "10.0.0.5", "role": "dc", "first_record_id": 1000000, "events": dc,
             "background": {"seed": 3, "count": 60, "start": "2026-04-01T09:00:00Z",
                            "end": "2026-04-01T11:00:00Z"}},
            {"name": "odd", "fqdn": "odd<&>\"'.rt.local", "ip": "fe80::1%12", "events": [
                {"t": "2026-04-01T10:00:00Z", "id": 4624, "user": "alice", "type": 2, "as": "a"},
                {"t": "2026-04-01T10:00:00.0000001Z", "id": 4634, "session": "a"}]},
            {"name": "big", "ip": "10.0.0.30", "role": "server", "first_record_id": 4294967290,
             "sysmon": True, "clock_offset": -12.5,
             "background": {"seed": 9, "count": 500, "start": "2026-04-01T00:00:00Z",
                            "end": "2026-04-02T00:00:00Z", "boot": True, "connections": 400,
                            "witnesses": True},
             "events": [ev("2026-04-01T12:00:00Z", 4648, 0, dict(SUBJ, LogonGuid="{00000000-0000-0000-0000-000000000000}",
                                                              TargetUserName=BIG, TargetDomainName=HOSTILE,
                                                              TargetLogonGuid="{00000000-0000-0000-0000-000000000001}",
                                                              TargetServerName="x", TargetInfo="x", ProcessId="0x4",
                                                              ProcessName="-", IpAddress="-", IpPort="-"))]},
        ],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "roundtrip.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(sc, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
