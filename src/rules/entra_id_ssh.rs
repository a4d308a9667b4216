use super::{Hit, Lang, Rule, Severity, Subject};

pub static ENTRA_ID_SSH: Rule = Rule {
    name: "entra-id-ssh",
    severity: Severity::Error,
    summary: r#"Entra ID SSH access on an ACL pool"#,
    what: r#"Flags `securityProfile.sshAccess: EntraID` and `--ssh-access entraid` on an ACL pool."#,
    why: r#"Entra ID based SSH to nodes is not supported on ACL (HOST-FACTS: Node pools and clusters; AKSD manage-ssh-node-access)."#,
    fix: r#"use `LocalUser` SSH access or `Disabled`; reach nodes with `kubectl debug node/...`"#,
    lang: Lang::Shell,
    example: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux --ssh-access entraid
"#,
    use_instead: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux --ssh-access disabled
"#,
    references: &["https://learn.microsoft.com/azure/aks/manage-ssh-node-access"],
    tags: &["node-pool", "ssh"],
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
        if hosts.for_pool(pool).text("entra_id_ssh") == "false"
            && let Some(v) = pool.ssh_access.as_ref().filter(|v| v.is("EntraID"))
        {
            out.push(v.hit(format!(
                "SSH access `{}` is not supported on {}",
                v.text,
                hosts.for_pool(pool).title()
            )));
        }
    }
}
