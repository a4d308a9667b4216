use super::{Hit, Lang, Rule, Severity, Subject};
use crate::model::script::{ContainerScript, EntryKind};
use crate::parse::node::pointer;

pub static OPERATOR_HOST_CHANGE: Rule = Rule {
    name: "operator-host-change",
    severity: Severity::Error,
    summary: "An operator resource makes its operator build kernel modules or change the host",
    what: "Flags custom resources that have no pod spec of their own but whose fields make an operator change every \
node it selects: an NVIDIA GPU Operator `ClusterPolicy` whose `driver.enabled` is `true` or left out (the operator's \
default is true), an NVIDIA Network Operator `NicClusterPolicy` with an `ofedDriver`, an AMD GPU Operator \
`DeviceConfig` with `driver.enable: true`, and a system-upgrade-controller `Plan` whose `prepare`/`upgrade` \
container works on the host root the controller mounts at `/host` (`chroot /host ...`, `nsenter -t 1 -m ...`). \
The finding sits at the field that switches the behaviour on; a `Plan` that only cordons, drains or runs commands \
in its own container is not reported.",
    why: "The driver containers these operators deploy build or load out-of-tree kernel modules (the GPU Operator's \
precompiled modules too): ACL boots with Secure Boot and refuses modules not signed for its kernel, `/usr/lib/modules` \
is read-only and no kernel headers are installed. NVIDIA drivers for AKS GPU pools come with the node as system \
extensions, and ACL has no AMD GPU support (HOST-FACTS: The host; VM sizes; flatcar/Flatcar#715). A `Plan`'s \
host commands run in the host's root, where ACL has no package manager and `/usr` is read-only under dm-verity \
(HOST-FACTS: The host).",
    fix: "let the node provide what the operator would install: on AKS GPU pools the NVIDIA driver comes with the node image, so set `driver.enabled: false` in the ClusterPolicy (or install the GPU Operator with `--set driver.enabled=false`)",
    lang: Lang::Yaml,
    example: r#"apiVersion: nvidia.com/v1
kind: ClusterPolicy
metadata:
  name: cluster-policy
spec:
  driver:
    enabled: true
  toolkit:
    enabled: true
"#,
    use_instead: r#"apiVersion: nvidia.com/v1
kind: ClusterPolicy
metadata:
  name: cluster-policy
spec:
  driver:
    enabled: false
  toolkit:
    enabled: true
"#,
    references: &[
        // `DriverSpec.IsEnabled`: a missing `enabled` is true.
        "https://github.com/NVIDIA/gpu-operator/blob/main/api/nvidia/v1/clusterpolicy_types.go",
        "https://learn.microsoft.com/azure/aks/gpu-cluster",
        "https://docs.nvidia.com/networking/display/kubernetes25100/advanced/doca-drivers.html",
        // `driver.enable` defaults to false; true installs the out-of-tree amdgpu module.
        "https://instinct.docs.amd.com/projects/gpu-operator/en/latest/fulldeviceconfig.html",
        // "host root file-system mounted at /host (read/write)".
        "https://github.com/rancher/system-upgrade-controller",
        "https://github.com/flatcar/Flatcar/issues/715",
    ],
    tags: &["operator", "kernel", "gpu", "host"],
    check,
};

const NVIDIA_FIX: &str = "set `driver.enabled: false`: on AKS GPU pools the NVIDIA driver comes with the node image as a system extension, and the operator's driver container builds or loads modules that ACL's Secure Boot refuses (install the GPU Operator with `--set driver.enabled=false`)";
const NETWORK_FIX: &str = "remove `ofedDriver` so the Network Operator uses the drivers of the node's kernel: the DOCA-OFED driver container compiles and loads out-of-tree modules, which ACL's Secure Boot refuses and its read-only `/usr/lib/modules` cannot hold";
const AMD_FIX: &str = "ACL has no AMD GPU support: run AMD GPU nodes on another OS SKU, and leave `driver.enable` false (its default)";
const PLAN_FIX: &str = "drop the host commands from the Plan: ACL nodes are upgraded by AKS (node OS upgrade channel), have no package manager and a read-only `/usr`; ship extra host software as a system extension";

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Object {
        object, scripts, ..
    } = subject
    else {
        return;
    };
    let api = object.id.api_version.as_str();
    let group = api.split('/').next().unwrap_or("");
    let spec_path = pointer(&object.path, "spec");
    let spec = object.node.get("spec");
    match (group, object.id.kind.as_str()) {
        ("nvidia.com", "ClusterPolicy") => {
            let Some(spec) = spec else { return };
            let driver_path = pointer(&spec_path, "driver");
            match spec.get("driver") {
                // The operator's default: `enabled` missing is true.
                Some(driver) => match driver.get("enabled") {
                    Some(e) if e.as_bool() == Some(false) => {}
                    Some(e) => out.push(
                        Hit::at(
                            e,
                            pointer(&driver_path, "enabled"),
                            format!(
                                "`driver.enabled: {}` makes the GPU Operator install its NVIDIA driver container on every GPU node",
                                e.as_str().unwrap_or("true")
                            ),
                        )
                        .fix(NVIDIA_FIX),
                    ),
                    None => {
                        let key = spec.get_key("driver").unwrap_or(driver);
                        out.push(
                            Hit::at(
                                key,
                                driver_path,
                                "`driver` without `enabled: false`: the GPU Operator installs its NVIDIA driver container by default",
                            )
                            .fix(NVIDIA_FIX),
                        );
                    }
                },
                None => {
                    let key = object.node.get_key("spec").unwrap_or(spec);
                    out.push(
                        Hit::at(
                            key,
                            spec_path,
                            "no `driver.enabled: false`: the GPU Operator installs its NVIDIA driver container by default",
                        )
                        .fix(NVIDIA_FIX),
                    );
                }
            }
        }
        ("mellanox.com", "NicClusterPolicy") => {
            let Some(key) = spec.and_then(|s| s.get_key("ofedDriver")) else {
                return;
            };
            if spec
                .and_then(|s| s.get("ofedDriver"))
                .is_some_and(|d| d.as_map().is_none())
            {
                return;
            }
            out.push(
                Hit::at(
                    key,
                    pointer(&spec_path, "ofedDriver"),
                    "`ofedDriver` makes the Network Operator build and load the DOCA-OFED driver on every selected node",
                )
                .fix(NETWORK_FIX),
            );
        }
        ("amd.com", "DeviceConfig") => {
            let Some(e) = spec
                .and_then(|s| s.at(&["driver", "enable"]))
                .filter(|e| e.is_true())
            else {
                return;
            };
            out.push(
                Hit::at(
                    e,
                    pointer(&pointer(&spec_path, "driver"), "enable"),
                    format!(
                        "`driver.enable: {}` makes the AMD GPU Operator build and load the out-of-tree `amdgpu` module on every selected node",
                        e.as_str().unwrap_or("true")
                    ),
                )
                .fix(AMD_FIX),
            );
        }
        _ if is_plan(object) => plan(scripts, out),
        _ => {}
    }
}

/// A `Plan`'s containers: once per container, at the first place it enters the host root.
fn plan(scripts: &[ContainerScript], out: &mut Vec<Hit>) {
    for cs in scripts {
        let Some(e) = cs
            .entries
            .iter()
            .find(|e| !e.inherited && e.kind != EntryKind::RootFlag)
            .or_else(|| cs.entries.iter().find(|e| !e.inherited))
        else {
            continue;
        };
        let hit = super::entry_hit(cs, e);
        let message = format!(
            "system-upgrade-controller runs the Plan's `{}` on every node it selects: {}",
            cs.container, hit.message
        );
        ContainerScript::push(
            out,
            Hit {
                message,
                fix: Some(PLAN_FIX.to_string()),
                ..hit
            },
        );
    }
}

/// Whether an object is a system-upgrade-controller `Plan` (its host entries are this rule's, not
/// `host-namespace-exec`'s).
pub(crate) fn is_plan(object: &crate::model::object::Object<'_>) -> bool {
    object.id.kind == "Plan" && object.id.api_version.starts_with("upgrade.cattle.io/")
}
