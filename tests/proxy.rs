//! A TCP proxy a test controls: taken down, it cuts every connection and refuses new
//! ones, as a restarting server (or a broken network) does; brought back, it passes
//! connections through again. Between a server and PostgreSQL it is a database restart
//! (the machine's PostgreSQL serves every other test at the same time); between a
//! client and the server, a dropped connection.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    /// Where clients connect (on 127.0.0.1).
    pub port: u16,
    up: watch::Sender<bool>,
}

impl Proxy {
    /// A proxy to `upstream` (`host:port`), up.
    pub async fn start(upstream: String) -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let (up, _) = watch::channel(true);
        let proxy = Arc::new(Self { port, up });
        let up = proxy.up.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut state = up.subscribe();
                if !*state.borrow() {
                    continue; // dropped: refused
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = state.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        proxy
    }

    /// Takes the proxy down (`false`) or brings it back (`true`).
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}
