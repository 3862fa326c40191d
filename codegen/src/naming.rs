//! Rust names for AWS names: words, `snake_case`, `UpperCamelCase`, keywords.
//!
//! AWS names are split into words the way the Rust API guidelines count them (an acronym is one
//! word): `DBInstanceClass` → `DB Instance Class` → `db_instance_class` / `DbInstanceClass`,
//! `KMSMasterKeyID` → `kms_master_key_id`, `IPv6CidrBlock` → `ipv6_cidr_block`.

/// Identifiers Rust reserves (strict, reserved and weak keywords that cannot be plain
/// identifiers). A field or method with one of these names gets a trailing underscore (`type_`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Mixed-case AWS spellings that the generic rules would split badly (`IPv6` → `I Pv6`).
const SPELLINGS: &[(&str, &str)] = &[("IPv4", "Ipv4"), ("IPv6", "Ipv6")];

/// Splits an AWS name (or an enum value such as `aws:kms` or `GLACIER_IR`) into words.
///
/// Non-alphanumeric characters separate words; a word also ends before an uppercase letter that
/// follows a lowercase letter or a digit, and before the last capital of an acronym that is
/// followed by a lowercase letter (`KMSMaster` → `KMS Master`), unless that is the `s` of a
/// plural acronym (`VPCs`, `AZs`). Digits stay with the word before them (`S3`, `Ipv6`).
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut name = name.to_owned();
    for (from, to) in SPELLINGS {
        name = name.replace(from, to);
    }
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(prev) = current.chars().last() {
            let next = chars.get(i + 1).copied();
            let next_lower = next.is_some_and(|n| n.is_ascii_lowercase());
            // `VPCs`, `AZs`: a plural acronym, not `VP Cs`.
            let plural =
                next == Some('s') && !chars.get(i + 2).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower && !plural));
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case`, keywords not handled (see [`field_ident`]).
pub(crate) fn snake(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `UpperCamelCase`. Two words that would run digits together (`x86`, `64`) keep an underscore
/// between them (`X86_64`), which rustc's camel-case lint accepts.
pub(crate) fn camel(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let lower = word.to_ascii_lowercase();
        let mut chars = lower.chars();
        let Some(first) = chars.next() else { continue };
        if first.is_ascii_digit() && out.ends_with(|c: char| c.is_ascii_digit()) {
            out.push('_');
        }
        out.push(first.to_ascii_uppercase());
        out.extend(chars);
    }
    out
}

/// A field, parameter or method name: `snake_case`, with a trailing underscore for keywords.
pub(crate) fn field_ident(name: &str) -> String {
    let snake = snake(name);
    let snake = if snake.is_empty() {
        "value".to_owned()
    } else {
        snake
    };
    let snake = if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{snake}")
    } else {
        snake
    };
    if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// An enum variant for an enum value: `UpperCamelCase`; `Empty` for the empty string, a `V`
/// prefix when the value starts with a digit (`1` → `V1`).
pub(crate) fn variant_ident(value: &str) -> String {
    let camel = camel(value);
    if camel.is_empty() {
        "Empty".to_owned()
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else if camel == "Self" {
        "SelfValue".to_owned()
    } else {
        camel
    }
}

/// A type name: `UpperCamelCase` of the AWS name.
pub(crate) fn type_ident(name: &str) -> String {
    let camel = camel(name);
    if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{camel}")
    } else {
        camel
    }
}

/// Picks `base`, or `base_2`, `base_3`, … (for identifiers) the first that `taken` lacks, and
/// records it.
pub(crate) fn unique(
    base: &str,
    separator: &str,
    taken: &mut std::collections::BTreeSet<String>,
) -> String {
    let mut candidate = base.to_owned();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{separator}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_counts_acronyms_as_words() {
        assert_eq!(snake("BucketName"), "bucket_name");
        assert_eq!(snake("DBInstanceClass"), "db_instance_class");
        assert_eq!(snake("KMSMasterKeyID"), "kms_master_key_id");
        assert_eq!(snake("WebsiteURL"), "website_url");
        assert_eq!(snake("IPv6CidrBlock"), "ipv6_cidr_block");
        assert_eq!(snake("Ipv4NetmaskLength"), "ipv4_netmask_length");
        assert_eq!(snake("S3Key"), "s3_key");
        assert_eq!(snake("SSEAlgorithm"), "sse_algorithm");
        assert_eq!(snake("Id"), "id");
        assert_eq!(snake("VPCs"), "vpcs");
        assert_eq!(
            snake("PreferredCacheClusterAZs"),
            "preferred_cache_cluster_azs"
        );
        assert_eq!(snake("OutpostArns"), "outpost_arns");
        assert_eq!(snake("VPCSecurityGroups"), "vpc_security_groups");
    }

    #[test]
    fn camel_case_normalises_acronyms() {
        assert_eq!(type_ident("DBInstance"), "DbInstance");
        assert_eq!(type_ident("VPC"), "Vpc");
        assert_eq!(type_ident("VPCGatewayAttachment"), "VpcGatewayAttachment");
        assert_eq!(type_ident("OIDCProvider"), "OidcProvider");
        assert_eq!(type_ident("EIP"), "Eip");
    }

    #[test]
    fn keywords_get_a_trailing_underscore() {
        assert_eq!(field_ident("Type"), "type_");
        assert_eq!(field_ident("Match"), "match_");
        assert_eq!(field_ident("Priority"), "priority");
    }

    #[test]
    fn enum_values_become_variants() {
        assert_eq!(variant_ident("aws:kms"), "AwsKms");
        assert_eq!(variant_ident("aws:kms:dsse"), "AwsKmsDsse");
        assert_eq!(variant_ident("AES256"), "Aes256");
        assert_eq!(variant_ident("GLACIER_IR"), "GlacierIr");
        assert_eq!(variant_ident("AL2023_x86_64_NVIDIA"), "Al2023X86_64Nvidia");
        assert_eq!(variant_ident("Bits/Second"), "BitsSecond");
        assert_eq!(variant_ident("SSE-C"), "SseC");
        assert_eq!(variant_ident("1"), "V1");
        assert_eq!(variant_ident(""), "Empty");
    }

    #[test]
    fn unique_appends_a_counter() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique("Tag", "", &mut taken), "Tag");
        assert_eq!(unique("Tag", "", &mut taken), "Tag2");
        assert_eq!(unique("id", "_", &mut taken), "id");
        assert_eq!(unique("id", "_", &mut taken), "id_2");
    }
}
