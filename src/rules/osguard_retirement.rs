use super::{Hit, Lang, Rule, Severity, Subject};

pub static OSGUARD_RETIREMENT: Rule = Rule {
    name: "osguard-retirement",
    severity: Severity::Warning,
    summary: r#"A node pool on a host that AKS retires (Azure Linux with OS Guard)"#,
    what: r#"Flags a node pool whose OS SKU picks a host profile with a retirement date (its `lifecycle` fact): `AzureLinuxOSGuard` and `AzureLinux3OSGuard`, which retire on 2026-12-10."#,
    why: r#"OS Guard on AKS is a preview that retires: no new pools or node images from 2026-12-10, and its images are removed on 2027-03-10, after which scaling and reimaging fail. ACL is the replacement, with the same feature set (HOST-FACTS-profiles: OS Guard, Lifecycle; AZLD os-guard-preview-retirement; AKS issue #5950)."#,
    fix: r#"move the pool to `AzureContainerLinux` (`az aks nodepool update --os-sku AzureContainerLinux --enable-secure-boot --enable-vtpm`), then run `hostlint check --host acl --from osguard` on its workloads"#,
    lang: Lang::Shell,
    example: r#"az aks nodepool add --resource-group rg --cluster-name aks --name guard \
  --os-sku AzureLinuxOSGuard --node-osdisk-type Managed \
  --enable-fips-image --enable-secure-boot --enable-vtpm
"#,
    use_instead: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux --enable-secure-boot --enable-vtpm
"#,
    references: &[
        "https://github.com/Azure/AKS/issues/5950",
        "https://learn.microsoft.com/azure/azure-linux/os-guard-overview",
    ],
    tags: &["node-pool", "lifecycle"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Cluster { cluster, hosts, .. } = subject else {
        return;
    };
    for pool in cluster.pools.iter() {
        let Some(sku) = pool.os_sku.as_ref() else {
            continue;
        };
        // The pool's own host, by its OS SKU (not a candidate SKU checked as another host).
        let Some(profile) = hosts
            .for_os_sku(&sku.text)
            .filter(|p| p.lists("os_skus", &sku.text))
        else {
            continue;
        };
        if let Some((retires, removed, successor)) = profile.retirement() {
            out.push(sku.hit(format!(
                "OS SKU `{}` ({} on AKS) retires on {retires} (images removed {removed}): move the pool to `{successor}`",
                sku.text,
                profile.title()
            )));
        }
    }
}
