//! cert-manager resources (`cert-manager.io/v1`).
//!
//! Field meanings: <https://cert-manager.io/docs/reference/api-docs/>.

use serde::{Deserialize, Serialize};

custom_resource! {
    /// A cert-manager `Certificate`; see
    /// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.Certificate>.
    Certificate(CertificateSpec): "cert-manager.io" / "v1", "certificates", NamespaceResourceScope
}

custom_resource! {
    /// A cert-manager `ClusterIssuer`; see
    /// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.ClusterIssuer>.
    ClusterIssuer(ClusterIssuerSpec): "cert-manager.io" / "v1", "clusterissuers", ClusterResourceScope
}

/// Spec of a [`Certificate`]; see
/// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.CertificateSpec>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSpec {
    /// `secretName`: the Secret that receives the signed certificate.
    pub secret_name: String,
    /// `issuerRef`: the issuer that signs the certificate.
    pub issuer_ref: IssuerRef,
    /// `dnsNames`: subject alternative DNS names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
    /// `commonName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    /// `duration`, a Go duration such as `2160h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// `renewBefore`, a Go duration such as `360h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_before: Option<String>,
    /// `privateKey` options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<CertificatePrivateKey>,
    /// `usages`; cert-manager's default applies when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usages: Vec<KeyUsage>,
}

/// `issuerRef`; see
/// <https://cert-manager.io/docs/reference/api-docs/#meta.cert-manager.io/v1.IssuerReference>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerRef {
    /// `name` of the issuer.
    pub name: String,
    /// `kind`: `Issuer` (the default) or `ClusterIssuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `group`: `cert-manager.io` (the default) or an external issuer's group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// `privateKey`; see
/// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.CertificatePrivateKey>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificatePrivateKey {
    /// `algorithm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<PrivateKeyAlgorithm>,
    /// `size` in bits (RSA) or curve size (ECDSA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i32>,
    /// `rotationPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_policy: Option<RotationPolicy>,
}

string_enum! {
    /// `privateKey.algorithm`; see
    /// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.PrivateKeyAlgorithm>.
    PrivateKeyAlgorithm { Rsa = "RSA", Ecdsa = "ECDSA", Ed25519 = "Ed25519" }
}

string_enum! {
    /// `privateKey.rotationPolicy`; see
    /// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.PrivateKeyRotationPolicy>.
    RotationPolicy { Always = "Always", Never = "Never" }
}

string_enum! {
    /// One of `usages`; see <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.KeyUsage>.
    KeyUsage {
        Signing = "signing", DigitalSignature = "digital signature",
        ContentCommitment = "content commitment", KeyEncipherment = "key encipherment",
        KeyAgreement = "key agreement", DataEncipherment = "data encipherment",
        CertSign = "cert sign", CrlSign = "crl sign", EncipherOnly = "encipher only",
        DecipherOnly = "decipher only", Any = "any", ServerAuth = "server auth",
        ClientAuth = "client auth", CodeSigning = "code signing",
        EmailProtection = "email protection", SMime = "s/mime",
        IpsecEndSystem = "ipsec end system", IpsecTunnel = "ipsec tunnel", IpsecUser = "ipsec user",
        Timestamping = "timestamping", OcspSigning = "ocsp signing",
        MicrosoftSgc = "microsoft sgc", NetscapeSgc = "netscape sgc",
    }
}

/// Spec of a [`ClusterIssuer`]: exactly one issuer type; see
/// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.IssuerConfig>.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ClusterIssuerSpec {
    /// `acme`: an ACME server such as Let's Encrypt.
    Acme(AcmeIssuer),
    /// `selfSigned`: each certificate signs itself.
    SelfSigned(SelfSignedIssuer),
}

impl Default for ClusterIssuerSpec {
    fn default() -> Self {
        Self::SelfSigned(SelfSignedIssuer::default())
    }
}

/// `selfSigned`; see
/// <https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.SelfSignedIssuer>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSignedIssuer {
    /// `crlDistributionPoints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crl_distribution_points: Vec<String>,
}

/// `acme`; see <https://cert-manager.io/docs/reference/api-docs/#acme.cert-manager.io/v1.ACMEIssuer>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcmeIssuer {
    /// `server`: the ACME directory URL.
    pub server: String,
    /// `email` of the ACME account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `privateKeySecretRef`: the Secret holding the ACME account key.
    pub private_key_secret_ref: SecretKeySelector,
    /// `solvers` for ACME challenges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solvers: Vec<AcmeSolver>,
}

/// A Secret reference; see
/// <https://cert-manager.io/docs/reference/api-docs/#meta.cert-manager.io/v1.SecretKeySelector>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeySelector {
    /// `name` of the Secret.
    pub name: String,
    /// `key` within the Secret, where the field allows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// One of `solvers`; see
/// <https://cert-manager.io/docs/reference/api-docs/#acme.cert-manager.io/v1.ACMEChallengeSolver>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcmeSolver {
    /// `http01` solver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http01: Option<Http01Solver>,
}

/// `http01`; see
/// <https://cert-manager.io/docs/reference/api-docs/#acme.cert-manager.io/v1.ACMEChallengeSolverHTTP01>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Http01Solver {
    /// `ingress`: solve through a temporary Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Http01Ingress>,
}

/// `http01.ingress`; see
/// <https://cert-manager.io/docs/reference/api-docs/#acme.cert-manager.io/v1.ACMEChallengeSolverHTTP01Ingress>.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Http01Ingress {
    /// `ingressClassName` of the solver Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::tests::{check_example, meta};
    use serde_json::json;

    #[test]
    fn certificate() {
        let cert = Certificate {
            metadata: meta("web-tls", Some("web")),
            spec: CertificateSpec {
                secret_name: "web-tls".into(),
                issuer_ref: IssuerRef {
                    name: "letsencrypt".into(),
                    kind: Some("ClusterIssuer".into()),
                    group: Some("cert-manager.io".into()),
                },
                dns_names: vec!["example.com".into(), "www.example.com".into()],
                common_name: Some("example.com".into()),
                duration: Some("2160h".into()),
                renew_before: Some("360h".into()),
                private_key: Some(CertificatePrivateKey {
                    algorithm: Some(PrivateKeyAlgorithm::Ecdsa),
                    size: Some(256),
                    rotation_policy: Some(RotationPolicy::Always),
                }),
                usages: vec![
                    KeyUsage::DigitalSignature,
                    KeyUsage::KeyEncipherment,
                    KeyUsage::ServerAuth,
                ],
            },
        };
        check_example(
            "certificate",
            &cert,
            &json!({
                "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                "metadata": {"name": "web-tls", "namespace": "web"},
                "spec": {
                    "secretName": "web-tls",
                    "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"},
                    "dnsNames": ["example.com", "www.example.com"], "commonName": "example.com",
                    "duration": "2160h", "renewBefore": "360h",
                    "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                    "usages": ["digital signature", "key encipherment", "server auth"]
                }
            }),
        );
    }

    #[test]
    fn cluster_issuers() {
        let acme = ClusterIssuer {
            metadata: meta("letsencrypt", None),
            spec: ClusterIssuerSpec::Acme(AcmeIssuer {
                server: "https://acme-v02.api.letsencrypt.org/directory".into(),
                email: Some("ops@example.com".into()),
                private_key_secret_ref: SecretKeySelector {
                    name: "letsencrypt-account".into(),
                    key: None,
                },
                solvers: vec![AcmeSolver {
                    http01: Some(Http01Solver {
                        ingress: Some(Http01Ingress {
                            ingress_class_name: Some("nginx".into()),
                        }),
                    }),
                }],
            }),
        };
        check_example(
            "clusterissuer-acme",
            &acme,
            &json!({
                "apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
                "metadata": {"name": "letsencrypt"},
                "spec": {"acme": {
                    "server": "https://acme-v02.api.letsencrypt.org/directory",
                    "email": "ops@example.com",
                    "privateKeySecretRef": {"name": "letsencrypt-account"},
                    "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}]
                }}
            }),
        );
        let self_signed = ClusterIssuer {
            metadata: meta("self-signed", None),
            ..Default::default()
        };
        check_example(
            "clusterissuer-selfsigned",
            &self_signed,
            &json!({
                "apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
                "metadata": {"name": "self-signed"}, "spec": {"selfSigned": {}}
            }),
        );
    }
}
