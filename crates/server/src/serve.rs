//! The accept loop: axum's router on hyper, with what `axum::serve` cannot set — time
//! limits on connections that send no request — and a graceful stop that lets requests
//! under way finish. Upgraded WebSockets leave the loop's care once upgraded; they
//! close themselves on shutdown (1001).
//!
//! A connection may stay open with no request in flight for `header_time`, then it is
//! closed. hyper's `header_read_timeout` alone does not cover it: it runs only once
//! hyper reads an HTTP/1 request head, and the auto builder first reads the bytes that
//! tell HTTP/1 from HTTP/2 with no limit (a socket that sends nothing, or part of the
//! HTTP/2 preface, was held for ever), and HTTP/2 has no idle limit at all (a preface,
//! or settings and no stream). So each connection counts its requests in flight (until
//! their response is sent) and a watchdog closes it once it has had none for
//! `header_time`; hyper's own limit still bounds a slow HTTP/1 head.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt;

/// Serves `router` on `listener` until `stop` turns true, then waits for the requests
/// under way.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    header_time: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_time);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let stopping = async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    tokio::pin!(stopping);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, most likely: wait for some to free up.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stopping => break,
        };
        let _ = stream.set_nodelay(true);
        spawn_connection(
            &builder,
            &graceful,
            stream,
            peer,
            router.clone(),
            header_time,
        );
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Serves one connection on its own task: `router` for each request, until the client
/// goes, the server stops, or it has had no request in flight for `header_time`.
fn spawn_connection(
    builder: &Builder<TokioExecutor>,
    graceful: &GracefulShutdown,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    header_time: Duration,
) {
    let activity = Activity::new();
    let service = {
        let activity = activity.clone();
        tower::service_fn(move |mut request: axum::http::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            let in_flight = activity.begin();
            let response = router.clone().oneshot(request);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Sending {
                        body,
                        _in_flight: in_flight,
                    })
                }))
            }
        })
    };
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
        .into_owned();
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        tokio::select! {
            ended = connection => {
                // A client that goes away mid-request is not the server's error.
                if let Err(err) = ended {
                    tracing::debug!(error = %err, %peer, "connection ended with an error");
                }
            }
            // Dropping the connection closes its socket: nothing is under way on it.
            () = activity.idle_for(header_time) => {
                tracing::debug!(%peer, "closing a connection with no request for {header_time:?}");
            }
        }
    });
}

/// One connection's requests in flight, and since when it has had none.
#[derive(Clone)]
struct Activity(Arc<watch::Sender<Counts>>);

#[derive(Clone, Copy)]
struct Counts {
    in_flight: usize,
    idle_since: Instant,
}

impl Activity {
    /// A connection just accepted: idle since now.
    fn new() -> Self {
        Self(Arc::new(watch::Sender::new(Counts {
            in_flight: 0,
            idle_since: Instant::now(),
        })))
    }

    /// A request begins; it is in flight until the guard is dropped.
    fn begin(&self) -> InFlight {
        self.0.send_modify(|counts| counts.in_flight += 1);
        InFlight(self.clone())
    }

    /// Returns once the connection has had no request in flight for `limit`.
    async fn idle_for(&self, limit: Duration) {
        let mut changes = self.0.subscribe();
        loop {
            let counts = *changes.borrow_and_update();
            if counts.in_flight > 0 {
                // Busy: wait for the requests to end (the sender lives in `self`).
                let _ = changes.changed().await;
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep_until(counts.idle_since + limit) => return,
                _ = changes.changed() => {}
            }
        }
    }
}

/// A request's place among those in flight on its connection.
struct InFlight(Activity);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.0.send_modify(|counts| {
            counts.in_flight -= 1;
            if counts.in_flight == 0 {
                counts.idle_since = Instant::now();
            }
        });
    }
}

/// A response body that keeps its request in flight until it has been sent (or the
/// connection dropped it): a long download is not an idle connection.
struct Sending {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for Sending {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_is_idle_only_with_no_request_in_flight_for_the_whole_limit() {
        let limit = Duration::from_millis(300);
        let activity = Activity::new();
        let idle = activity.idle_for(limit);
        tokio::pin!(idle);
        let started = Instant::now();
        // A request begins after 200 ms and runs 500 ms: the clock starts again when
        // it ends, so the connection is idle no sooner than 1 s after it opened.
        tokio::select! {
            () = &mut idle => panic!("idle while it was not"),
            () = async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let request = activity.begin();
                tokio::time::sleep(Duration::from_millis(500)).await;
                drop(request);
            } => {}
        }
        idle.await;
        assert!(started.elapsed() >= Duration::from_millis(1000));
    }
}
