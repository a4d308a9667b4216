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
`DeviceConfig` with `driver.enable: true`, an NVIDIA `NVIDIADriver` (the operator's per-node-pool driver; at its \
`nodeSelector`, else at `spec`), a Kernel Module Management `Module` with a `moduleLoader` (it loads, and with \
`build` compiles, an out-of-tree module on the nodes its `selector` matches); an `NVIDIADriver` or `Module` whose \
selector pins `kubernetes.azure.com/os-sku` to another OS never reaches ACL and is not reported; and a system-upgrade-controller `Plan` whose `prepare`/`upgrade` \
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
        // `NVIDIADriverSpec`: `nodeSelector` picks the nodes the driver DaemonSet runs on, `driverType`
        // gpu/vgpu/vgpu-host-manager, `usePrecompiled`.
        "https://github.com/NVIDIA/gpu-operator/blob/main/api/nvidia/v1alpha1/nvidiadriver_types.go",
        // "For each `Module`, KMM can create ... one ModuleLoader DaemonSet per compatible kernel
        // version"; `.spec.selector`, `kernelMappings[].build`/`sign`.
        "https://github.com/kubernetes-sigs/kernel-module-management/blob/main/docs/mkdocs/documentation/deploy_kmod.md",
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
const NVIDIA_DRIVER_FIX: &str = "do not create an `NVIDIADriver` for ACL GPU pools (or give it a `nodeSelector` that excludes them, such as `kubernetes.azure.com/os-sku: Ubuntu`): their NVIDIA driver comes with the node image as a system extension, and the operator's driver container builds or loads modules that ACL's Secure Boot refuses";
const KMM_FIX: &str = "load only in-tree modules the node kernel ships (`modprobe` from a DaemonSet), or keep the `Module` off ACL pools with a `selector` on another `kubernetes.azure.com/os-sku`: ACL's Secure Boot refuses out-of-tree modules not signed into its image, and `/usr/lib/modules` is read-only";

/// Whether a node selector (`matchLabels`-style map) pins an OS SKU other than ACL's: the operator
/// never acts on ACL nodes then.
fn selects_other_os(selector: Option<&crate::parse::node::Node>) -> bool {
    selector
        .and_then(|s| s.get(crate::host::OS_SKU_LABEL))
        .and_then(crate::parse::node::Node::as_str)
        .is_some_and(|v| v != crate::host::ACL_OS_SKU)
}

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
        ("nvidia.com", "NVIDIADriver") => {
            let Some(spec) = spec else { return };
            if selects_other_os(spec.get("nodeSelector")) {
                return;
            }
            let driver_type = spec.str_at(&["driverType"]).unwrap_or("gpu");
            let (at, at_path, whom) = match spec.get_key("nodeSelector") {
                Some(k) => (
                    k,
                    pointer(&spec_path, "nodeSelector"),
                    "the nodes its `nodeSelector` selects",
                ),
                None => (
                    object.node.get_key("spec").unwrap_or(spec),
                    spec_path.clone(),
                    "every GPU node (no `nodeSelector`)",
                ),
            };
            let mut hit = Hit::at(
                at,
                at_path,
                format!(
                    "an `NVIDIADriver` (`driverType: {driver_type}`) makes the GPU Operator install its NVIDIA driver container on {whom}"
                ),
            )
            .fix(NVIDIA_DRIVER_FIX);
            if spec.get("usePrecompiled").is_some_and(|v| v.is_true()) {
                hit = hit.note(
                    None,
                    "`usePrecompiled: true` still loads modules built for a stock distribution kernel, not signed for ACL's",
                );
            }
            out.push(hit);
        }
        ("kmm.sigs.x-k8s.io", "Module") => {
            let Some(spec) = spec else { return };
            let Some(key) = spec.get_key("moduleLoader").filter(|_| {
                spec.get("moduleLoader")
                    .is_some_and(|l| l.as_map().is_some())
            }) else {
                return;
            };
            if selects_other_os(spec.get("selector")) {
                return;
            }
            let loader = spec.get("moduleLoader");
            let module = loader
                .and_then(|l| l.str_at(&["container", "modprobe", "moduleName"]))
                .unwrap_or("its module");
            let mappings = loader
                .and_then(|l| l.at(&["container", "kernelMappings"]))
                .and_then(|m| m.as_seq())
                .unwrap_or_default();
            let builds = mappings.iter().any(|m| m.get("build").is_some())
                || loader.is_some_and(|l| l.at(&["container", "build"]).is_some());
            let signs = mappings.iter().any(|m| m.get("sign").is_some())
                || loader.is_some_and(|l| l.at(&["container", "sign"]).is_some());
            let mut hit = Hit::at(
                key,
                pointer(&spec_path, "moduleLoader"),
                format!(
                    "`moduleLoader` makes Kernel Module Management {}load the out-of-tree module `{module}` on every node its `selector` matches",
                    if builds { "build and " } else { "" }
                ),
            )
            .fix(KMM_FIX);
            if signs {
                hit = hit.note(
                    None,
                    "`sign` signs the module with the cluster's own key, which ACL's Secure Boot does not trust",
                );
            }
            out.push(hit);
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
