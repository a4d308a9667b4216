use super::{Hit, Lang, Rule, Severity, Subject};

pub static SELINUX_PERMISSIVE_TAG: Rule = Rule {
    name: "selinux-permissive-tag",
    severity: Severity::Warning,
    summary: r#"Pool tag that switches SELinux to permissive"#,
    what: r#"Flags a pool tag `acl-node-security-profile` whose value contains `selinux=permissive`."#,
    why: r#"The tag switches the pool's nodes to SELinux permissive mode after a reboot or reimage. It is meant for troubleshooting only: it turns off the confinement ACL relies on (HOST-FACTS: SELinux; ACL acl-selinux-toggle)."#,
    fix: r#"remove the tag once troubleshooting is done, and fix the denial (e.g. with the right `seLinuxOptions.type`)"#,
    lang: Lang::Shell,
    example: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux --tags acl-node-security-profile=selinux=permissive
"#,
    use_instead: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux --tags team=platform
"#,
    references: &["https://github.com/microsoft/azure-container-linux"],
    tags: &["node-pool", "selinux"],
    check,
};

fn check(subject: &Subject<'_>, out: &mut Vec<Hit>) {
    let Subject::Cluster {
        cluster,
        all_pools,
        hosts,
        ..
    } = subject
    else {
        return;
    };
    for pool in cluster.scoped_pools(*all_pools) {
        // Only a host that enforces has anything to switch off (profile fact `selinux_mode`).
        if hosts.for_pool(pool).text("selinux_mode") != "enforcing" {
            continue;
        }
        for (k, v) in &pool.tags {
            if k.eq_ignore_ascii_case("acl-node-security-profile")
                && v.text
                    .to_ascii_lowercase()
                    .replace(' ', "")
                    .contains("selinux=permissive")
            {
                out.push(v.hit(format!(
                    "tag `{k}={}` switches the pool's SELinux to permissive",
                    v.text
                )));
            }
        }
    }
}
