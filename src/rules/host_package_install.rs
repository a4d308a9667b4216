use super::{Hit, Lang, Rule, Severity, Subject};
use crate::host::{Profile, package_is};
use crate::model::script::{ContainerScript, Invocation};

pub static HOST_PACKAGE_INSTALL: Rule = Rule {
    name: "host-package-install",
    severity: Severity::Error,
    summary: "A package manager installs onto the node (nsenter, chroot or --root into the host)",
    what: "Flags `apt`, `apt-get`, `aptitude`, `yum`, `dnf`, `tdnf`, `microdnf`, `zypper`, `apk`, `rpm -i/-U/-F`, \
`dpkg -i` and `snap install` when they install *in host context*: under `nsenter` into PID 1's mount namespace, \
under `chroot` into a hostPath-mounted host root, or with that root passed to `--root`/`--installroot`/`--sysroot`. \
Scripts are read from `command`/`args`, `sh -c` bodies and mounted ConfigMap scripts; queries (`rpm -q`, `dpkg -l`, \
`apt-cache`, `dnf list`) are not installs.",
    why: "Azure Container Linux has no package manager and no package database on the host, and `/usr` is read-only \
under dm-verity: the installer fails on every node (HOST-FACTS: The host; ACL customizing.md). Most storage \
installers fetch tools that ACL already ships (open-iscsi, nfs-utils, cryptsetup, lvm2, xfsprogs, nvme-cli, mdadm, \
cifs-utils), so they are broken and unnecessary; multipath-tools, thin-provisioning-tools and kernel headers cannot \
be had at all.",
    fix: "drop the host installer: ACL has no package manager; ship extra host software as a systemd system extension (sysext) or run the tool from the container image",
    lang: Lang::Yaml,
    example: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: iscsi-installer
spec:
  selector: {matchLabels: {app: iscsi}}
  template:
    metadata: {labels: {app: iscsi}}
    spec:
      hostPID: true
      containers:
        - name: install
          image: alpine:3.19
          securityContext: {privileged: true}
          command: [nsenter, --mount=/proc/1/ns/mnt, --, bash, -c, "apt-get install -y open-iscsi"]
"#,
    use_instead: r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: iscsi-check
spec:
  selector: {matchLabels: {app: iscsi}}
  template:
    metadata: {labels: {app: iscsi}}
    spec:
      hostPID: true
      containers:
        - name: check
          image: alpine:3.19
          securityContext: {privileged: true}
          command: [nsenter, --mount=/proc/1/ns/mnt, --, iscsiadm, --version]
"#,
    references: &[
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/customizing.md",
        "https://github.com/microsoft/azure-container-linux/blob/main/acl/docs/sysexts.md",
    ],
    tags: &["workload", "script", "host"],
    check,
};

/// Options of package managers that take a value as the next word (`apt-get -o X=Y install`).
const VALUE_OPTS: &[&str] = &[
    "-o",
    "-t",
    "-c",
    "-X",
    "-p",
    "-R",
    "--repository",
    "--root",
    "--installroot",
    "--releasever",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--config",
    "--setopt",
    "--target-release",
    "--option",
];

/// The words that are not options or option values: the subcommand first, then its operands.
fn positional(inv: &Invocation) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in inv.words() {
        if skip {
            skip = false;
            continue;
        }
        if w.starts_with('-') {
            skip = VALUE_OPTS.contains(&w);
            continue;
        }
        out.push(w);
    }
    out
}

/// A package manager run that needs a package database on the host: an index refresh
/// (`apt-get update`, `yum makecache`, `zypper refresh`, `apk update`); installs are [`install`]s.
pub(crate) fn refresh(inv: &Invocation) -> bool {
    let pos = positional(inv);
    let sub = pos.first().copied();
    match inv.program.as_str() {
        "apt" | "apt-get" | "aptitude" | "apk" => sub == Some("update"),
        "yum" | "dnf" | "tdnf" | "microdnf" => matches!(sub, Some("makecache")),
        "zypper" => matches!(sub, Some("refresh" | "ref")),
        _ => false,
    }
}

/// What an invocation installs: the package manager and the packages it names, when it is an install.
pub(crate) fn install(inv: &Invocation) -> Option<(String, Vec<String>)> {
    let p = inv.program.as_str();
    let pos = positional(inv);
    let sub = pos.first().copied();
    let is = match p {
        "apt" | "apt-get" | "aptitude" => {
            matches!(
                sub,
                Some(
                    "install"
                        | "reinstall"
                        | "upgrade"
                        | "dist-upgrade"
                        | "full-upgrade"
                        | "build-dep"
                        | "safe-upgrade"
                )
            )
        }
        "yum" | "dnf" | "tdnf" | "microdnf" => matches!(
            sub,
            Some(
                "install"
                    | "in"
                    | "reinstall"
                    | "update"
                    | "upgrade"
                    | "up"
                    | "localinstall"
                    | "groupinstall"
                    | "distro-sync"
                    | "downgrade"
            )
        ),
        "zypper" => matches!(
            sub,
            Some("install" | "in" | "update" | "up" | "dist-upgrade" | "dup" | "patch")
        ),
        "apk" => matches!(sub, Some("add" | "upgrade" | "fix")),
        "snap" => matches!(sub, Some("install" | "refresh")),
        "rpm" => inv.words().any(|w| {
            matches!(w, "--install" | "--upgrade" | "--freshen" | "--reinstall")
                || (w.starts_with('-')
                    && !w.starts_with("--")
                    && w[1..].starts_with(['i', 'U', 'F']))
        }),
        "dpkg" => inv.words().any(|w| {
            matches!(w, "--install" | "--unpack")
                || (w.starts_with('-') && !w.starts_with("--") && w[1..].starts_with('i'))
        }),
        _ => false,
    };
    if !is {
        return None;
    }
    let operands = if matches!(p, "rpm" | "dpkg") {
        &pos[..]
    } else {
        &pos[1..]
    };
    Some((
        p.to_string(),
        operands.iter().map(|s| s.to_string()).collect(),
    ))
}

/// The fix for an install of `pkgs`: what the host already ships, what it cannot get (profile
/// facts `shipped_packages`, `unavailable_packages`).
pub(crate) fn fix_for(pkgs: &[String], profile: &Profile) -> Option<String> {
    let mut shipped = Vec::new();
    let mut missing = Vec::new();
    let (ships, lacks) = (
        profile.packages("shipped_packages"),
        profile.packages("unavailable_packages"),
    );
    for p in pkgs {
        if let Some((what, _)) = ships.iter().find(|(_, names)| package_is(p, names)) {
            if !shipped.contains(what) {
                shipped.push(*what);
            }
        } else if let Some((what, _)) = lacks.iter().find(|(_, names)| package_is(p, names))
            && !missing.contains(what)
        {
            missing.push(*what);
        }
    }
    let mut parts = Vec::new();
    if !shipped.is_empty() {
        parts.push(format!(
            "{} already on the node: drop the installer",
            shipped.join(", ") + if shipped.len() == 1 { " is" } else { " are" }
        ));
    }
    if !missing.is_empty() {
        parts.push(format!(
            "{} cannot be installed on {} (no package manager, read-only /usr): run it from the container image or choose a driver that does not need it",
            missing.join(", "),
            profile.title()
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object { scripts, .. } = subject else {
        return;
    };
    let profile = subject.profile();
    // A host whose package manager installs (a general-purpose one) breaks nothing here; one whose
    // package manager is present but cannot write `/usr` fails at transaction time (profile fact
    // `package_manager`).
    let host = profile.title();
    let (none, has) = match profile.text("package_manager") {
        "works" => return,
        "read-only" => {
            let why = format!("{host}'s package manager cannot write the read-only /usr");
            (why.clone(), why)
        }
        _ => (
            format!("{host} has none"),
            format!("{host} has no package manager"),
        ),
    };
    for cs in scripts.iter() {
        for inv in &cs.invocations {
            let Some(h) = inv.host else { continue };
            let how = &cs.entries[h].word;
            if refresh(inv) {
                let sub = positional(inv).first().copied().unwrap_or("");
                ContainerScript::push(out, cs.hit(&inv.at, format!("`{} {sub}` runs a package manager on the host (through `{how}`): {none}", inv.program)));
                continue;
            }
            let Some((pm, pkgs)) = install(inv) else {
                continue;
            };
            let what = if pkgs.is_empty() {
                String::new()
            } else {
                format!(" `{}`", pkgs.join(" "))
            };
            let mut hit = cs.hit(
                &inv.at,
                format!("`{pm}` installs{what} on the host (through `{how}`): {has}"),
            );
            if let Some(f) = fix_for(&pkgs, profile) {
                hit = hit.fix(f);
            }
            ContainerScript::push(out, hit);
        }
    }
}
