//! Traces for a tracing backend: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, every span
//! (one trace per request: its id, method, path and GraphQL operation; the resolvers'
//! SQL statements as child spans, their text without values) is sent over OTLP/HTTP
//! (protobuf) to `{endpoint}/v1/traces`, in batches. The standard `OTEL_*` variables
//! (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_SCHEDULE_DELAY`, …)
//! are read by the OpenTelemetry SDK itself. Unset, nothing is exported and nothing
//! costs.

use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{SpanExporter, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The provider, flushed and stopped at exit ([`shutdown`]).
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// The layer that sends spans to the collector, when `OTEL_EXPORTER_OTLP_ENDPOINT` is
/// set; `runtime` carries the HTTP requests (the SDK's batch thread has none).
pub fn layer<S>(
    runtime: tokio::runtime::Handle,
) -> Result<Option<impl tracing_subscriber::Layer<S>>, String>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    let Some(endpoint) = std::env::var(ENDPOINT_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    let endpoint = format!("{}/v1/traces", endpoint.trim().trim_end_matches('/'));
    url::Url::parse(&endpoint)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| format!("{ENDPOINT_VAR}: not an http:// or https:// URL"))?;
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .with_http_client(OnRuntime {
            client: reqwest::Client::new(),
            runtime,
        })
        .build()
        .map_err(|e| format!("{ENDPOINT_VAR}: {e}"))?;
    let resource = Resource::builder()
        .with_service_name(
            std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "clientele".to_owned()),
        )
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    let tracer = provider.tracer("clientele");
    let _ = PROVIDER.set(provider);
    Ok(Some(tracing_opentelemetry::layer().with_tracer(tracer)))
}

/// Sends what is still batched and stops the exporter (at exit).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get()
        && let Err(err) = provider.shutdown()
    {
        eprintln!("clientele: {ENDPOINT_VAR}: the last traces were not sent: {err}");
    }
}

/// The exporter's HTTP client: our reqwest, its requests run on the server's runtime
/// (spawned there, awaited from the SDK's thread).
#[derive(Debug)]
struct OnRuntime {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let response = client.execute(request).await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        });
        let (status, body) = sent.await??;
        let mut response = Response::new(body);
        *response.status_mut() = status;
        Ok(response)
    }
}
