//! Clients for one account and region: the standard credential chain (or the deployer's own
//! credentials), TLS by rustls with ring, the endpoint override, and the account check.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudformation::config::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls;

use crate::fault::Fault;

/// The clients of one account and region, whose credentials were checked to be of that account.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// CloudFormation.
    pub(crate) cfn: aws_sdk_cloudformation::Client,
    /// S3, for the asset bucket.
    pub(crate) s3: aws_sdk_s3::Client,
    /// The region.
    pub(crate) region: String,
    /// The account.
    pub(crate) account: String,
}

/// Where and as whom to connect.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    /// `--endpoint-url`.
    pub(crate) endpoint_url: Option<String>,
    /// Credentials instead of the standard chain.
    pub(crate) credentials: Option<SharedCredentialsProvider>,
}

/// Connects to `account` in `region`: loads the configuration, resolves the credentials and asks
/// STS whose they are; `stack` names what needs it in messages.
pub(crate) async fn connect(
    settings: &Settings,
    account: &str,
    region: &str,
    stack: &str,
) -> Result<Connection, Fault> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .http_client(http);
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(credentials) = &settings.credentials {
        loader = loader.credentials_provider(credentials.clone());
    }
    let config = loader.load().await;
    let Some(provider) = config.credentials_provider() else {
        return Err(Fault::NoCredentials {
            detail: "no credential provider is configured".to_owned(),
        });
    };
    if let Err(e) = provider.provide_credentials().await {
        return Err(Fault::NoCredentials {
            detail: error_chain(&e),
        });
    }
    let sts = aws_sdk_sts::Client::new(&config);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Fault::of_sdk("GetCallerIdentity", stack, e))?;
    let actual = identity.account().unwrap_or_default();
    if actual != account {
        return Err(Fault::WrongAccount {
            stack: stack.to_owned(),
            expected: account.to_owned(),
            actual: actual.to_owned(),
        });
    }
    // A custom endpoint (a test server) serves buckets by path, not by host name.
    let s3_config = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    Ok(Connection {
        cfn: aws_sdk_cloudformation::Client::new(&config),
        s3: aws_sdk_s3::Client::from_conf(s3_config),
        region: region.to_owned(),
        account: account.to_owned(),
    })
}

/// The error and its causes, joined by `: `.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
