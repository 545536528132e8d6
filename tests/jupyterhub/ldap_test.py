#!/usr/bin/python3
"""LDAP login of examples/jupyterhub/values.yaml against a real OpenLDAP slapd.

Reads hub.config.LDAPAuthenticator from the values file, wires the secrets the way the chart
does (hub.extraEnv secretKeyRef -> environment -> hub.extraConfig, run for real; the CA file
through hub.extraVolumes/extraVolumeMounts), substitutes only the server address/port and the
CA file's location, and then resolves and binds exactly as jupyterhub-ldapauthenticator 2.0
does (lookup_dn search, bind, allowed_groups search, JupyterHub 5's check_allowed), with
python3-ldap3, the library LDAPAuthenticator uses.

The directory is seeded from the same settings: people under user_search_base (RDN cn=<full
name>, so a DN built from the login name would not work), the search account, the allowed
group and another group. slapd listens on 127.0.0.1 only, demands TLS for simple binds, and
presents a certificate of a CA made here.

Run with Debian's /usr/bin/python3 (python3-ldap3, python3-yaml). Exit 0 pass, 1 fail, 77 skip
(slapd not installed).
"""

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

SKIP = 77

try:
    import ldap3
    import yaml
    from ldap3.core.exceptions import LDAPBindError, LDAPException
    from ldap3.utils.conv import escape_filter_chars
    from ldap3.utils.dn import escape_rdn, parse_dn
    from ldap3.utils.hashed import hashed
except ImportError as e:  # install-deps installs both; say which one is missing
    print(f"FAIL: {e}: run with /usr/bin/python3 and install python3-ldap3 python3-yaml")
    sys.exit(1)

# The directory's people and passwords (the test's own; nothing here is in values.yaml).
SEARCH_PASSWORD = "search-secret-from-the-Secret"
PEOPLE = [
    # login, full name, password, sub-OU under user_search_base (or None), in allowed group
    ("alice", "Alice Archer", "alice-pw", None, True),
    ("dave", "Dave Dunn", "dave-pw", "ou=staff", True),
    ("bob", "Bob Baker", "bob-pw", None, False),
]

# LDAPAuthenticator 2.0's defaults for the options values.yaml may leave out.
DEFAULTS = {
    "server_port": None,  # 636 with tls_strategy on_connect, else 389
    "tls_strategy": "before_bind",
    "tls_kwargs": {},
    "bind_dn_template": [],
    "lookup_dn": False,
    "lookup_dn_search_filter": "({login_attr}={login})",
    "lookup_dn_search_user": None,
    "lookup_dn_search_password": None,
    "lookup_dn_user_dn_attribute": None,
    "user_search_base": None,
    "user_attribute": None,
    "search_filter": "",
    "attributes": [],
    "allowed_groups": None,
    "group_search_filter": "(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))",
    "group_attributes": ["member", "uniqueMember", "memberUid"],
    "valid_username_regex": r"^[a-z][.a-z0-9_-]*$",
    "use_lookup_dn_username": False,
}

DEADLINE_S = 20  # for slapd to start and to stop; every network call has its own timeout


def fail(msg):
    raise AssertionError(msg)


# --- LDAPAuthenticator 2.0, step by step (ldapauthenticator/ldapauthenticator.py) ----------


def get_connection(cfg, userdn, password):
    """A bound ldap3 Connection, None when the bind is refused; TLS errors raise."""
    strategy = cfg["tls_strategy"]
    if strategy == "on_connect":
        use_ssl, auto_bind = True, ldap3.AUTO_BIND_NO_TLS
    elif strategy == "before_bind":
        use_ssl, auto_bind = False, ldap3.AUTO_BIND_TLS_BEFORE_BIND
    elif strategy == "insecure":
        use_ssl, auto_bind = False, ldap3.AUTO_BIND_NO_TLS
    else:
        fail(f"tls_strategy {strategy!r} is not one of before_bind, on_connect, insecure")
    port = cfg["server_port"] or (636 if strategy == "on_connect" else 389)
    tls = ldap3.Tls(**cfg["tls_kwargs"])
    # connect_timeout/receive_timeout are the test's only additions: bounded waits.
    server = ldap3.Server(cfg["server_address"], port=port, use_ssl=use_ssl, tls=tls,
                          connect_timeout=5)
    try:
        return ldap3.Connection(server, user=userdn, password=password, auto_bind=auto_bind,
                                receive_timeout=10)
    except LDAPBindError:
        return None


def resolve_username(cfg, login):
    conn = get_connection(cfg, cfg["lookup_dn_search_user"], cfg["lookup_dn_search_password"])
    if not conn:
        return None, None
    conn.search(
        search_base=cfg["user_search_base"],
        search_scope=ldap3.SUBTREE,
        search_filter=cfg["lookup_dn_search_filter"].format(
            login_attr=cfg["user_attribute"], login=escape_filter_chars(login)),
        attributes=[cfg["lookup_dn_user_dn_attribute"]],
    )
    if len(conn.entries) != 1:
        return None, None
    entry = conn.entries[0]
    values = entry.entry_attributes_as_dict.get(cfg["lookup_dn_user_dn_attribute"])
    if not values or len(values) > 1:
        return None, None
    return values[0], entry.entry_dn


def authenticate(cfg, login, password):
    """(outcome, auth model): outcome names the step that refused, or 'bound'."""
    if not re.match(cfg["valid_username_regex"], login):
        return "invalid-username", None
    if password is None or password.strip() == "":
        return "blank-password", None
    templates = cfg["bind_dn_template"]
    templates = [templates] if isinstance(templates, str) else [t for t in templates if t]
    resolved = login
    if cfg["lookup_dn"]:
        resolved, resolved_dn = resolve_username(cfg, login)
        if not resolved_dn:
            return "lookup-failed", None
        if not templates:
            templates = [resolved_dn]
    conn = None
    for template in templates:
        userdn = template.format(username=escape_rdn(resolved))
        conn = get_connection(cfg, userdn, password)
        if conn:
            break
    if not conn:
        return "bind-failed", None
    if cfg["search_filter"]:
        conn.search(search_base=cfg["user_search_base"], search_scope=ldap3.SUBTREE,
                    search_filter=cfg["search_filter"].format(
                        userattr=cfg["user_attribute"],
                        username=escape_filter_chars(resolved)),
                    attributes=cfg["attributes"])
        if len(conn.entries) != 1:
            return "search-filter", None
    ldap_groups = []
    for group in cfg["allowed_groups"] or []:
        found = conn.search(
            search_base=group,
            search_scope=ldap3.BASE,
            search_filter=cfg["group_search_filter"].format(
                userdn=escape_filter_chars(userdn), uid=escape_filter_chars(resolved)),
            attributes=cfg["group_attributes"],
        )
        if found:
            ldap_groups.append(group)
    name = resolved if cfg["use_lookup_dn_username"] else login
    return "bound", {"name": name, "auth_state": {"ldap_groups": ldap_groups}}


def check_allowed(cfg, model):
    # JupyterHub 5: allow_all and allowed_users are not set by values.yaml, so only the groups.
    if not cfg["allowed_groups"]:
        return False
    return any(g in model["auth_state"]["ldap_groups"] for g in cfg["allowed_groups"])


def login(cfg, user, password):
    """'allowed:<name>' or the reason the login is refused."""
    try:
        outcome, model = authenticate(cfg, user, password)
    except LDAPException as e:  # LDAPAuthenticator lets these propagate: the login errors
        return f"ldap-error:{type(e).__name__}"
    if outcome != "bound":
        return outcome
    return f"allowed:{model['name']}" if check_allowed(cfg, model) else "not-in-group"


# --- values.yaml -> effective LDAPAuthenticator config, secrets wired as the chart does -----


class _Section:
    pass


class _FakeTraitletsConfig:
    """Enough of jupyterhub_config.py's `c` for hub.extraConfig snippets: c.Class.trait = v."""

    def __getattr__(self, name):
        section = _Section()
        setattr(self, name, section)
        return section


def effective_config(values, secrets, mounted_files_root):
    hub = values.get("hub") or {}
    config = hub.get("config") or {}
    cls = (config.get("JupyterHub") or {}).get("authenticator_class")
    if cls not in ("ldapauthenticator.LDAPAuthenticator", "ldap"):
        fail(f"hub.config.JupyterHub.authenticator_class is {cls!r}, not LDAPAuthenticator")
    ldap_values = config.get("LDAPAuthenticator")
    if not isinstance(ldap_values, dict):
        fail("hub.config.LDAPAuthenticator is missing")
    if "lookup_dn_search_password" in ldap_values:
        fail("hub.config.LDAPAuthenticator.lookup_dn_search_password is in values: "
             "it belongs in a Secret")
    unknown = sorted(set(ldap_values) - set(DEFAULTS) - {"server_address"})
    if unknown:
        fail(f"hub.config.LDAPAuthenticator sets options this test does not model: {unknown}")

    # hub.extraEnv: secretKeyRef values from the test's Secrets, literal values as they are.
    env = {}
    for name, spec in (hub.get("extraEnv") or {}).items():
        if isinstance(spec, str):
            env[name] = spec
            continue
        name = spec.get("name", name)
        ref = (spec.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            key = (ref["name"], ref["key"])
            if key not in secrets:
                fail(f"hub.extraEnv.{name} reads Secret {key[0]} key {key[1]}, "
                     f"not one README.md tells the admin to create: {sorted(secrets)}")
            env[name] = secrets[key]
        elif "value" in spec:
            env[name] = spec["value"]

    # The chart applies hub.config first, then runs hub.extraConfig (sorted by key).
    c = _FakeTraitletsConfig()
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        for key in sorted(hub.get("extraConfig") or {}):
            try:
                exec(hub["extraConfig"][key], {"c": c})
            except Exception as e:  # e.g. an environment variable hub.extraEnv does not set
                fail(f"hub.extraConfig.{key} fails with the values' hub.extraEnv: "
                     f"{type(e).__name__}: {e}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cfg = dict(DEFAULTS)
    cfg.update(ldap_values)
    cfg.update(vars(c.LDAPAuthenticator))
    cfg["tls_kwargs"] = dict(cfg["tls_kwargs"] or {})

    # tls_kwargs.ca_certs_file must be a file of a Secret mounted into the hub container.
    ca = cfg["tls_kwargs"].get("ca_certs_file")
    if ca:
        volumes = {v["name"]: v for v in hub.get("extraVolumes") or []}
        for mount in hub.get("extraVolumeMounts") or []:
            prefix = mount["mountPath"].rstrip("/") + "/"
            if ca.startswith(prefix):
                secret = (volumes.get(mount["name"]) or {}).get("secret")
                if not secret:
                    fail(f"ca_certs_file {ca} is under mount {mount['name']}, not a Secret volume")
                key = ca[len(prefix):]
                local = os.path.join(mounted_files_root, secret["secretName"], key)
                if not os.path.exists(local):
                    fail(f"ca_certs_file {ca}: Secret {secret['secretName']} key {key} is not "
                         "one README.md tells the admin to create")
                cfg["tls_kwargs"]["ca_certs_file"] = local
                break
        else:
            fail(f"tls_kwargs.ca_certs_file {ca} is in no hub.extraVolumeMounts path")
    return cfg


# --- a real slapd -----------------------------------------------------------------------------


def find_tool(name):
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_ca_and_cert(d, name, server_ip):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=d, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        f"/CN=nbsched test CA {name}", "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={server_ip}", "-keyout",
        f"{name}-server.key", "-out", f"{name}-server.csr")
    with open(os.path.join(d, f"{name}-ext.cnf"), "w") as f:
        f.write(f"subjectAltName=IP:{server_ip}\n")
    run("x509", "-req", "-days", "2", "-in", f"{name}-server.csr", "-CA", f"{name}-ca.crt",
        "-CAkey", f"{name}-ca.key", "-CAcreateserial", "-extfile", f"{name}-ext.cnf", "-out",
        f"{name}-server.crt")
    return [os.path.join(d, f"{name}-{x}") for x in ("ca.crt", "server.crt", "server.key")]


def dn_ancestors(dn, suffix):
    """The DNs strictly between suffix and dn, top-down."""
    parts = [f"{a}={escape_rdn(v)}" for a, v, _ in parse_dn(dn)]
    n_suffix = len(parse_dn(suffix))
    return [",".join(parts[i:]) for i in range(len(parts) - n_suffix - 1, 0, -1)]


def seed_ldif(cfg, suffix):
    entries = {}  # dn -> list of (attr, value); dict keeps insertion order

    def add(dn, attrs):
        for anc in dn_ancestors(dn, suffix):
            if anc.lower() not in (d.lower() for d in entries):
                attr, value, _ = parse_dn(anc)[0]
                if attr.lower() != "ou":
                    fail(f"cannot seed ancestor {anc} (only ou= entries are made)")
                entries[anc] = [("objectClass", "organizationalUnit"), ("ou", value)]
        entries[dn] = attrs

    dc = parse_dn(suffix)[0][1]
    entries[suffix] = [("objectClass", "dcObject"), ("objectClass", "organization"),
                       ("o", "nbsched test"), ("dc", dc)]
    user_dns = {}
    uid_attr = cfg["user_attribute"] or "uid"
    for user, full, pw, sub_ou, _ in PEOPLE:
        if cfg["lookup_dn"]:
            base = cfg["user_search_base"] if not sub_ou else f"{sub_ou},{cfg['user_search_base']}"
            dn = f"cn={escape_rdn(full)},{base}"
        else:
            templates = cfg["bind_dn_template"]
            dn = (templates if isinstance(templates, str) else templates[0]).format(username=user)
        user_dns[user] = dn
        attrs = [("objectClass", "inetOrgPerson"), ("cn", full), ("sn", full.split()[-1]),
                 ("uid", user), ("userPassword", hashed(ldap3.HASHED_SALTED_SHA, pw))]
        if uid_attr != "uid":
            attrs.append((uid_attr, user))
        add(dn, attrs)
    if cfg["lookup_dn"] and cfg["lookup_dn_search_user"]:
        add(cfg["lookup_dn_search_user"],
            [("objectClass", "organizationalRole"), ("objectClass", "simpleSecurityObject"),
             ("cn", parse_dn(cfg["lookup_dn_search_user"])[0][1]),
             ("userPassword", hashed(ldap3.HASHED_SALTED_SHA, SEARCH_PASSWORD))])
    groups = list(cfg["allowed_groups"] or [])
    if not groups:
        fail("allowed_groups is empty: every LDAP account could log in")
    members = [user_dns[u] for u, *_, in_group in PEOPLE if in_group]
    outsiders = [user_dns[u] for u, *_, in_group in PEOPLE if not in_group]
    add(groups[0], [("objectClass", "groupOfNames"), ("cn", parse_dn(groups[0])[0][1])] +
        [("member", m) for m in members])
    other = f"cn=other-project,{','.join(dn_ancestors(groups[0], suffix)[-1:]) or suffix}"
    add(other, [("objectClass", "groupOfNames"), ("cn", "other-project")] +
        [("member", m) for m in outsiders])
    lines = []
    for dn, attrs in entries.items():
        lines.append(f"dn: {dn}")
        lines.extend(f"{a}: {v}" for a, v in attrs)
        lines.append("")
    return "\n".join(lines), user_dns


def slapd_conf(d, suffix, cert, key, ca, module_dir):
    return "\n".join([
        *(f"include /etc/ldap/schema/{s}.schema"
          for s in ("core", "cosine", "nis", "inetorgperson")),
        *([f"modulepath {module_dir}", "moduleload back_mdb"] if module_dir else []),
        f"pidfile {d}/slapd.pid",
        f"TLSCACertificateFile {ca}",
        f"TLSCertificateFile {cert}",
        f"TLSCertificateKeyFile {key}",
        # Simple binds only over TLS: a client that skipped StartTLS gets confidentialityRequired.
        "security simple_bind=1",
        "database mdb",
        f'suffix "{suffix}"',
        f'rootdn "cn=admin,{suffix}"',
        f"directory {d}/db",
        "maxsize 16777216",
        # Passwords are only for binding; the rest is readable by bound users only, so the
        # lookup works only when the search account (the Secret's password) is bound.
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by users read by * none",
        "",
    ])


class Slapd:
    """slapd in the foreground; ready once its daemon loop waits on the listening sockets."""

    # -d 8 (connections) logs "daemon: epoll: listen=N" when the daemon thread, after listen()
    # on every listener, first waits for clients; "slapd starting" comes before listen().
    READY = re.compile(rb"daemon: \w+: listen=")

    def __init__(self, conf, urls):
        self.proc = subprocess.Popen([find_tool("slapd"), "-f", conf, "-h", urls, "-d", "8"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = b""
        self.ready = threading.Event()
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        if not self.ready.wait(DEADLINE_S):
            self.stop()
            fail(f"slapd did not start within {DEADLINE_S} s (exit {self.proc.returncode}): "
                 f"{self.log.decode(errors='replace')[-2000:]}")
        if not self.READY.search(self.log):  # woken by EOF: slapd exited
            self.stop()
            fail(f"slapd exited {self.proc.returncode}: {self.log.decode(errors='replace')}")

    def _drain(self):  # keeps the pipe empty; sets ready on the marker or at EOF (exit)
        for line in self.proc.stderr:
            self.log += line
            if self.READY.search(line):
                self.ready.set()
        self.ready.set()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=DEADLINE_S)
        self.drain.join(timeout=DEADLINE_S)
        self.proc.stderr.close()


# --- the test ---------------------------------------------------------------------------------


def main():
    values_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "examples", "jupyterhub", "values.yaml")
    missing = [t for t in ("slapd", "slapadd") if not find_tool(t)]
    if missing:
        print(f"SKIP: {', '.join(missing)} not installed (Debian package slapd; "
              "scripts/install-deps.sh installs it)")
        return SKIP
    if not find_tool("openssl"):
        fail("openssl not installed (needed for the test's certificates)")
    module_dir = next((d for d in ("/usr/lib/ldap", "/usr/lib/openldap", "/usr/lib64/openldap")
                       if os.path.exists(os.path.join(d, "back_mdb.so"))), None)

    with open(values_path) as f:
        values = yaml.safe_load(f)

    with tempfile.TemporaryDirectory(prefix="nbsched-ldap-") as d:
        ca, cert, key = make_ca_and_cert(d, "good", "127.0.0.1")
        other_ca, _, _ = make_ca_and_cert(d, "other", "127.0.0.1")
        # The Secrets README.md tells the admin to create, with the test's contents.
        files_root = os.path.join(d, "secrets")
        os.makedirs(os.path.join(files_root, "ldap-ca"))
        shutil.copy(ca, os.path.join(files_root, "ldap-ca", "ca.crt"))
        secrets = {("ldap-search", "password"): SEARCH_PASSWORD}

        cfg = effective_config(values, secrets, files_root)
        if cfg["tls_strategy"] == "insecure":
            fail("tls_strategy is insecure: passwords would cross the network in clear text")
        if cfg["tls_kwargs"].get("validate") != ssl.CERT_REQUIRED:
            fail("tls_kwargs.validate is not 2 (ssl.CERT_REQUIRED): ldap3 would accept any "
                 "server certificate")
        placeholder = (cfg["server_address"], cfg["server_port"])
        # slapd listens for both: StartTLS on the plain port, LDAPS on the other; the values'
        # tls_strategy picks which one stands in for their server_port.
        plain_port, ldaps_port = free_port(), free_port()
        port = ldaps_port if cfg["tls_strategy"] == "on_connect" else plain_port
        cfg["server_address"], cfg["server_port"] = "127.0.0.1", port
        shown = {k: v for k, v in cfg.items() if "password" not in k}
        print(f"values.yaml server {placeholder} -> 127.0.0.1:{port}; effective settings: {shown}")

        suffix_parts = [p for p in parse_dn(cfg["user_search_base"] or cfg["allowed_groups"][0])
                        if p[0].lower() == "dc"]
        suffix = ",".join(f"dc={v}" for _, v, _ in suffix_parts)
        ldif, _ = seed_ldif(cfg, suffix)
        os.makedirs(os.path.join(d, "db"))
        conf = os.path.join(d, "slapd.conf")
        with open(conf, "w") as f:
            f.write(slapd_conf(d, suffix, cert, key, ca, module_dir))
        with open(os.path.join(d, "seed.ldif"), "w") as f:
            f.write(ldif)
        seeded = subprocess.run([find_tool("slapadd"), "-f", conf, "-l",
                                 os.path.join(d, "seed.ldif")], capture_output=True, text=True,
                                timeout=60)
        if seeded.returncode != 0:
            fail(f"slapadd failed: {seeded.stderr}")

        def with_(**changes):
            out = dict(cfg)
            out.update(changes)
            return out

        rows = [
            # name, settings, login, password, expected
            ("allowed group member, right password", cfg, "alice", "alice-pw", "allowed:alice"),
            ("member in a sub-OU, found by lookup_dn", cfg, "dave", "dave-pw", "allowed:dave"),
            ("wrong password", cfg, "alice", "not-her-password", "bind-failed"),
            ("blank password, refused before any bind", cfg, "alice", " ",
             "blank-password"),
            ("right password, not in the allowed group", cfg, "bob", "bob-pw", "not-in-group"),
            ("no such user", cfg, "mallory", "x", "lookup-failed"),
            ("filter injection in the login name", cfg, "alice)(uid=*", "alice-pw",
             "invalid-username"),
            ("search account password not the Secret's",
             with_(lookup_dn_search_password="wrong"), "alice", "alice-pw", "lookup-failed"),
            ("without the values' TLS strategy the server refuses binds",
             with_(tls_strategy="insecure", server_port=plain_port), "alice", "alice-pw",
             "lookup-failed"),
            ("a server certificate from another CA is rejected",
             with_(tls_kwargs=dict(cfg["tls_kwargs"], ca_certs_file=other_ca)), "alice",
             "alice-pw", "ldap-error:"),
        ]
        server = Slapd(conf, f"ldap://127.0.0.1:{plain_port}/ ldaps://127.0.0.1:{ldaps_port}/")
        failures = []
        try:
            for name, settings, user, password, want in rows:
                got = login(settings, user, password)
                ok = got.startswith(want) if want.endswith(":") else got == want
                print(f"{'ok  ' if ok else 'FAIL'} {name}: {user} -> {got}"
                      + ("" if ok else f" (want {want})"))
                if not ok:
                    failures.append(name)
        finally:
            server.stop()
    if failures:
        print(f"FAIL: {len(failures)} of {len(rows)} rows")
        return 1
    print(f"PASS: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
