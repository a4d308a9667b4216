use super::{Hit, Lang, Rule, Severity, Subject};
use crate::fix::{Offer, Safety};
use crate::model::nodepool::Val;

/// The fix: the switch back on (`false` → `true`, `--disable-vtpm` → `--enable-vtpm`); safe, ACL
/// pools cannot run without it.
pub(crate) const SWITCH_ON: Offer = Offer {
    safety: Safety::Safe,
    title: "switch Secure Boot or vTPM back on",
};
pub(crate) static FIXES: &[Offer] = &[SWITCH_ON];

/// The edit that switches `v` on: its flag's `--enable-` twin, or `true` in the value's case.
fn switched_on(v: &Val) -> Option<crate::fix::Edit> {
    let shown = v.shown();
    if let Some(rest) = shown.strip_prefix("--disable-") {
        return Some(SWITCH_ON.replace(v, &format!("--enable-{rest}")));
    }
    let on = match v.text.as_str() {
        "false" => "true",
        "False" => "True",
        "FALSE" => "TRUE",
        _ => return None,
    };
    (shown == v.text).then(|| SWITCH_ON.replace(v, on))
}

pub static TRUSTED_LAUNCH_DISABLED: Rule = Rule {
    name: "trusted-launch-disabled",
    severity: Severity::Error,
    summary: r#"Secure Boot or vTPM switched off on an ACL pool"#,
    what: r#"Flags `enableSecureBoot: false` or `enableVTPM: false` on an ACL pool, and an in-place migration `az aks nodepool update --os-sku AzureContainerLinux` that does not pass both `--enable-secure-boot` and `--enable-vtpm`."#,
    why: r#"Trusted Launch with Secure Boot and vTPM is mandatory on ACL; the in-place migration of an existing pool must switch both on (HOST-FACTS: Node pools and clusters; AKSD migrate-nodes-azure-container-linux)."#,
    fix: r#"enable both Secure Boot and vTPM (`--enable-secure-boot --enable-vtpm`, `securityProfile: {enableSecureBoot: true, enableVTPM: true}`)"#,
    lang: Lang::Shell,
    example: r#"az aks nodepool update --resource-group rg --cluster-name aks --name pool1 \
  --os-sku AzureContainerLinux
"#,
    use_instead: r#"az aks nodepool update --resource-group rg --cluster-name aks --name pool1 \
  --os-sku AzureContainerLinux \
  --enable-secure-boot --enable-vtpm
"#,
    references: &[
        "https://learn.microsoft.com/azure/aks/use-trusted-launch",
        "https://learn.microsoft.com/azure/aks/migrate-nodes-azure-container-linux",
    ],
    tags: &["node-pool", "trusted-launch"],
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
        // Only a host that requires Trusted Launch (profile fact `trusted_launch`).
        let profile = hosts.for_pool(pool);
        if profile.text("trusted_launch") != "mandatory" {
            continue;
        }
        for (v, what) in [
            (&pool.enable_secure_boot, "Secure Boot"),
            (&pool.enable_vtpm, "vTPM"),
        ] {
            if let Some(v) = v.as_ref().filter(|v| v.as_bool() == Some(false)) {
                let hit = v.hit(format!("{what} is switched off (`{}`): {} pools require Trusted Launch with Secure Boot and vTPM", v.shown(), profile.title()));
                out.push(match switched_on(v) {
                    Some(e) => hit.edit(e),
                    None => hit,
                });
            }
        }
        if let Some(sku) = pool
            .update
            .as_ref()
            .filter(|s| profile.lists("os_skus", &s.text))
        {
            let missing: Vec<String> = [
                (&pool.enable_secure_boot, "--enable-secure-boot"),
                (&pool.enable_vtpm, "--enable-vtpm"),
            ]
            .into_iter()
            .filter(|(v, _)| v.as_ref().and_then(Val::as_bool) != Some(true))
            .map(|(_, flag)| format!("`{flag}`"))
            .collect();
            if !missing.is_empty() {
                out.push(sku.hit(format!(
                    "migration to `{}` without {}: the pool must switch on Trusted Launch",
                    sku.text,
                    missing.join(" and ")
                )));
            }
        }
    }
}
