//! VM sizes that cannot host an ACL pool, as data (HOST-FACTS: VM sizes).
//!
//! Patterns are matched against the whole size name, case-insensitively, with a tiny matcher
//! rather than the `regex` crate (the patterns need only three constructs and the table stays
//! readable as Azure writes the names):
//! - `#` one or more digits, optionally followed by a constrained-vCPU count `-\d+`
//!   (`Standard_E4-2s_v3`, `Standard_DS11-1_v2`);
//! - `(a|b|)` one of the alternatives (an empty one makes the group optional);
//! - `*` any text; everything else is literal.

/// A `vm_sizes` entry: overrides the built-in verdict for VM sizes matching a glob `pattern`
/// (kept as data here; the node-pool rules read it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmSizeOverride {
    /// The size pattern (`#` digits, `(a|b)`, `*`), matched case-insensitively on the whole name.
    pub pattern: String,
    /// The verdict, named by its rule; `None` for `supported` (no finding).
    pub verdict: Option<Verdict>,
}

/// What a size means for an ACL pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A Generation-1-only series.
    Gen1,
    /// Gen2, but without Trusted Launch support.
    NoTrustedLaunch,
    /// A confidential VM size (CVM security type).
    Confidential,
    /// A confidential-child-capable `_cc` size: confidential, and no Trusted Launch.
    ConfidentialChild,
    /// An Arm64 size that is not Cobalt 100 (Ampere Altra).
    Arm64NotCobalt,
    /// An Arm64 GPU size (Grace).
    Arm64Gpu,
    /// An AMD GPU size.
    AmdGpu,
    /// A size of a family the host does not support at all (its profile's `vm_sizes` rows say
    /// which: OS Guard has no Arm64 and no GPU sizes).
    Unsupported,
}

/// One row: a name pattern, its verdict, and the series it names (for messages).
pub struct SizeRule {
    pub pattern: &'static str,
    pub verdict: Verdict,
    pub series: &'static str,
}

const fn row(pattern: &'static str, verdict: Verdict, series: &'static str) -> SizeRule {
    SizeRule {
        pattern,
        verdict,
        series,
    }
}

/// The table, first match wins. `Standard_DS2_v2`, `Standard_D2s_v3`, `Standard_D2s_v6` match nothing.
pub static VM_SIZES: &[SizeRule] = &[
    row("basic_a*", Verdict::Gen1, "Basic A"),
    row("standard_a#", Verdict::Gen1, "A (classic)"),
    row("standard_a#(m|)_v2", Verdict::Gen1, "Av2"),
    row("standard_d#_v2", Verdict::Gen1, "Dv2"),
    row("standard_d#_v3", Verdict::Gen1, "Dv3"),
    row("standard_e#(i|)_v3", Verdict::Gen1, "Ev3"),
    row("standard_nc#(r|)", Verdict::Gen1, "NC v1"),
    row("standard_nv#", Verdict::Gen1, "NV v1"),
    row("standard_np#s", Verdict::Gen1, "NP"),
    row("standard_m*", Verdict::NoTrustedLaunch, "M"),
    row(
        "standard_nd96asr_v4",
        Verdict::NoTrustedLaunch,
        "NDasrA100_v4",
    ),
    row(
        "standard_nd96amsr_a100_v4",
        Verdict::NoTrustedLaunch,
        "NDm_A100_v4",
    ),
    row(
        "standard_(dc|ec)#(as|ads)_cc_v5",
        Verdict::ConfidentialChild,
        "confidential-child-capable DC/EC v5",
    ),
    row(
        "standard_(dc|ec)#(as|ads|es|eds)_(v5|v6)",
        Verdict::Confidential,
        "confidential DC/EC",
    ),
    row(
        "standard_ncc#ads_h100_v5",
        Verdict::Confidential,
        "NCCads H100 v5",
    ),
    row(
        "standard_(d|e)#(ps|pds|pls|plds)_v5",
        Verdict::Arm64NotCobalt,
        "Ampere Altra v5",
    ),
    row(
        "standard_b#ps_v2",
        Verdict::Arm64NotCobalt,
        "Bpsv2 (Ampere Altra)",
    ),
    row(
        "standard_nd#isr(_ndr|_g5|)_gb(2|3)00_v6",
        Verdict::Arm64Gpu,
        "ND GB200/GB300 v6 (Grace)",
    ),
    row(
        "standard_nd96isr_mi300x_v5",
        Verdict::AmdGpu,
        "ND MI300X v5",
    ),
    row("standard_nv#as_v4", Verdict::AmdGpu, "NVv4"),
    row("standard_ng#ads_v620_v1", Verdict::AmdGpu, "NGads V620"),
    row("standard_nv#ads_v710_v5", Verdict::AmdGpu, "NVads V710 v5"),
];

/// What a size is on ACL: its verdict and the series it belongs to (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Class<'a> {
    pub verdict: Verdict,
    pub series: &'a str,
}

/// The class of `size`: the first `.hostlint.yaml` override whose pattern matches decides (an
/// override of `supported` means no verdict), else the built-in table.
pub fn classify_with<'a>(size: &str, overrides: &'a [VmSizeOverride]) -> Option<Class<'a>> {
    let name = size.trim().to_ascii_lowercase();
    if let Some(o) = overrides
        .iter()
        .find(|o| matches(o.pattern.to_ascii_lowercase().as_bytes(), name.as_bytes()))
    {
        return o.verdict.map(|verdict| Class {
            verdict,
            series: "as `.hostlint.yaml` `vm_sizes` says",
        });
    }
    classify(size).map(|r| Class {
        verdict: r.verdict,
        series: r.series,
    })
}

/// The class of `size` on a host: a `.hostlint.yaml` override first, then the rows of the host
/// profile's `vm_sizes` fact (same forms: `pattern`, `verdict` named by its rule or `supported`,
/// `series`), then the built-in table.
pub fn classify_on<'a>(
    size: &str,
    overrides: &'a [VmSizeOverride],
    profile: &'a super::Profile,
) -> Option<Class<'a>> {
    let name = size.trim().to_ascii_lowercase();
    if overrides
        .iter()
        .any(|o| matches(o.pattern.to_ascii_lowercase().as_bytes(), name.as_bytes()))
    {
        return classify_with(size, overrides);
    }
    for row in profile.rows("vm_sizes") {
        let Some(pattern) = row.str_at(&["pattern"]) else {
            continue;
        };
        if matches(pattern.to_ascii_lowercase().as_bytes(), name.as_bytes()) {
            let verdict = verdict_named(row.str_at(&["verdict"]).unwrap_or("supported"))?;
            return verdict.map(|verdict| Class {
                verdict,
                series: row.str_at(&["series"]).unwrap_or(pattern),
            });
        }
    }
    classify_with(size, overrides)
}

/// The verdict a `.hostlint.yaml` `vm_sizes` entry names by its rule (`supported`: none).
pub fn verdict_named(name: &str) -> Option<Option<Verdict>> {
    Some(match name {
        "supported" => None,
        "gen1-vm-size" => Some(Verdict::Gen1),
        "vm-size-without-trusted-launch" => Some(Verdict::NoTrustedLaunch),
        "confidential-vm-size" => Some(Verdict::Confidential),
        "arm64-vm-size-not-cobalt" => Some(Verdict::Arm64NotCobalt),
        "arm64-gpu-vm-size" => Some(Verdict::Arm64Gpu),
        "non-nvidia-gpu-vm-size" => Some(Verdict::AmdGpu),
        "unsupported-vm-size" => Some(Verdict::Unsupported),
        _ => return None,
    })
}

/// The first row whose pattern matches `size` (case-insensitive, whole name).
pub fn classify(size: &str) -> Option<&'static SizeRule> {
    let name = size.trim().to_ascii_lowercase();
    VM_SIZES
        .iter()
        .find(|r| matches(r.pattern.as_bytes(), name.as_bytes()))
}

/// Whether `pat` matches all of `s` (both lowercase).
fn matches(pat: &[u8], s: &[u8]) -> bool {
    match pat.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| matches(&pat[1..], &s[i..])),
        Some(b'#') => {
            let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            let mut ends = vec![digits];
            if s.get(digits) == Some(&b'-') {
                let more = s[digits + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if more > 0 {
                    ends.push(digits + 1 + more);
                }
            }
            ends.into_iter().any(|e| matches(&pat[1..], &s[e..]))
        }
        Some(b'(') => {
            let Some(close) = pat.iter().position(|&c| c == b')') else {
                return false;
            };
            let rest = &pat[close + 1..];
            pat[1..close]
                .split(|&c| c == b'|')
                .any(|alt| s.starts_with(alt) && matches(rest, &s[alt.len()..]))
        }
        Some(&c) => s.first() == Some(&c) && matches(&pat[1..], &s[1..]),
    }
}

/// The nearest size ACL supports in the same family with the same vCPU count, for a Gen1-only or
/// non-Trusted-Launch size: the premium-storage (`s`) variant of the same generation, which Azure
/// builds for Gen1 and Gen2 with Trusted Launch (Dv2 → DSv2, Dv3 → Dsv3, Ev3 → Esv3; constrained-vCPU
/// counts kept). `None` when the family has no such size (A, NC v1, NV v1, NP, M, ND A100 v4).
pub fn supported_successor(size: &str) -> Option<String> {
    let lower = size.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("standard_")?;
    let digits_at = rest.find(|c: char| c.is_ascii_digit())?;
    let (family, rest) = rest.split_at(digits_at);
    let mut count_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    // A constrained-vCPU size (`E4-2s_v3`): the count is `4-2`.
    if rest[count_end..].starts_with('-') {
        let more = rest[count_end + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - count_end - 1);
        count_end += 1 + more;
    }
    let (count, tail) = rest.split_at(count_end);
    let successor = match (family, tail) {
        ("d", "_v2") => format!("Standard_DS{count}_v2"),
        ("d", "_v3") => format!("Standard_D{count}s_v3"),
        ("e", "_v3") => format!("Standard_E{count}s_v3"),
        ("e", "i_v3") => format!("Standard_E{count}is_v3"),
        _ => return None,
    };
    // Never propose a size the table flags itself.
    classify(&successor).is_none().then_some(successor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<Verdict> {
        classify(s).map(|r| r.verdict)
    }

    #[test]
    fn gen1_sizes() {
        for s in [
            "Standard_D2_v2",
            "standard_d8_v3",
            "Standard_A1",
            "Basic_A0",
            "Standard_A2m_v2",
            "Standard_D11_v2",
            "Standard_E4i_v3",
            "Standard_NC6",
            "Standard_NC24r",
            "Standard_NV12",
            "Standard_NP10s",
            "Standard_D3_v2",
            "Standard_E4-2_v3",
            "STANDARD_D4_V3",
        ] {
            assert_eq!(v(s), Some(Verdict::Gen1), "{s}");
        }
    }

    #[test]
    fn never_gen1() {
        for s in [
            "Standard_DS2_v2",
            "standard_d2s_v3",
            "Standard_D2S_v6",
            "Standard_DS11-1_v2",
            "Standard_E4-2s_v3",
            "Standard_NC6s_v3",
            "Standard_NV6ads_A10_v5",
            "Standard_D4ds_v5",
            "Standard_B2ms",
            "Standard_NC4as_T4_v3",
            "Standard_D2ps_v6",
            "Standard_DC2s_v3",
            "Standard_F4s_v2",
            "Standard_D2as_v4",
        ] {
            assert_eq!(v(s), None, "{s}");
        }
    }

    #[test]
    fn other_verdicts() {
        assert_eq!(v("Standard_M128ms"), Some(Verdict::NoTrustedLaunch));
        assert_eq!(v("Standard_ND96asr_v4"), Some(Verdict::NoTrustedLaunch));
        assert_eq!(
            v("Standard_ND96amsr_A100_v4"),
            Some(Verdict::NoTrustedLaunch)
        );
        assert_eq!(v("Standard_DC4as_v5"), Some(Verdict::Confidential));
        assert_eq!(v("Standard_EC8eds_v6"), Some(Verdict::Confidential));
        assert_eq!(v("Standard_NCC40ads_H100_v5"), Some(Verdict::Confidential));
        assert_eq!(v("Standard_DC4as_cc_v5"), Some(Verdict::ConfidentialChild));
        assert_eq!(v("Standard_D4ps_v5"), Some(Verdict::Arm64NotCobalt));
        assert_eq!(v("Standard_E8pds_v5"), Some(Verdict::Arm64NotCobalt));
        assert_eq!(v("Standard_B2ps_v2"), Some(Verdict::Arm64NotCobalt));
        assert_eq!(v("Standard_ND128isr_NDR_GB200_v6"), Some(Verdict::Arm64Gpu));
        assert_eq!(v("Standard_ND128isr_GB300_v6"), Some(Verdict::Arm64Gpu));
        assert_eq!(v("Standard_ND96isr_MI300X_v5"), Some(Verdict::AmdGpu));
        assert_eq!(v("Standard_NV16as_v4"), Some(Verdict::AmdGpu));
        assert_eq!(v("Standard_NV4ads_V710_v5"), Some(Verdict::AmdGpu));
        assert_eq!(v("Standard_NG32ads_V620_v1"), Some(Verdict::AmdGpu));
    }

    #[test]
    fn successors_keep_the_family_and_the_vcpu_count() {
        assert_eq!(
            supported_successor("Standard_D4_v3").as_deref(),
            Some("Standard_D4s_v3")
        );
        assert_eq!(
            supported_successor("standard_d11_v2").as_deref(),
            Some("Standard_DS11_v2")
        );
        assert_eq!(
            supported_successor("Standard_E4-2_v3").as_deref(),
            Some("Standard_E4-2s_v3")
        );
        assert_eq!(
            supported_successor("Standard_E64i_v3").as_deref(),
            Some("Standard_E64is_v3")
        );
        for none in [
            "Standard_A2",
            "Standard_A4m_v2",
            "Standard_NC6",
            "Standard_M64s",
            "Basic_A1",
        ] {
            assert_eq!(supported_successor(none), None, "{none}");
        }
    }
}
