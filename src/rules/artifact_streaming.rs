use super::{Hit, Lang, Rule, Severity, Subject};
use crate::fix::{Offer, Safety};

/// The fix: the `--enable-artifact-streaming` switch goes, or `enabled` becomes `false` (safe: images
/// are pulled whole, as on any pool without streaming).
pub(crate) const SWITCH_OFF: Offer = Offer {
    safety: Safety::Safe,
    title: "switch Artifact Streaming off",
};
pub(crate) static FIXES: &[Offer] = &[SWITCH_OFF];

pub static ARTIFACT_STREAMING: Rule = Rule {
    name: "artifact-streaming",
    severity: Severity::Error,
    summary: r#"Artifact Streaming on an ACL pool"#,
    what: r#"Flags an ACL pool with Artifact Streaming enabled (`artifactStreamingProfile.enabled: true`, `--enable-artifact-streaming`)."#,
    why: r#"Artifact Streaming is not supported on ACL (HOST-FACTS: Node pools and clusters; AKSD azure-container-linux-limitations)."#,
    fix: r#"disable Artifact Streaming on this pool (pull images normally), or keep the pool on another OS SKU"#,
    lang: Lang::Shell,
    example: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux --enable-artifact-streaming
"#,
    use_instead: r#"az aks nodepool add --resource-group rg --cluster-name aks --name acl \
  --os-sku AzureContainerLinux
"#,
    references: &["https://learn.microsoft.com/azure/aks/azure-container-linux-overview"],
    tags: &["node-pool"],
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
        if !hosts.for_pool(pool).flag("artifact_streaming")
            && let Some(v) = pool
                .artifact_streaming
                .as_ref()
                .filter(|v| v.as_bool() == Some(true))
        {
            let hit = v.hit(format!(
                "artifact streaming is enabled on this pool; {} does not support it",
                hosts.for_pool(pool).title()
            ));
            let edit = if v.shown().starts_with('-') {
                Some(SWITCH_OFF.remove_flag(v))
            } else {
                match v.text.as_str() {
                    "true" => Some("false"),
                    "True" => Some("False"),
                    "TRUE" => Some("FALSE"),
                    _ => None,
                }
                .map(|off| SWITCH_OFF.replace(v, off))
            };
            out.push(match edit {
                Some(e) => hit.edit(e),
                None => hit,
            });
        }
    }
}
