//! Builds the application from a Config: database, migrations, listener, router.

use crate::{config::Config, routes, secrets, security::WebGuards};
use app::domain::Timestamp;
use app::{
    backend::{
        AppState, AuthSettings,
        assets::BuildAssets,
        db::{self, Backend},
        live::Hub,
        push,
        routing::{EtaSource, Osrm},
        seed::{self, DemoLogin},
        tokens::TokenKeys,
        tracking::Tracker,
    },
    domain::{Account, AppError},
};
use axum::http::HeaderValue;
use leptos::config::LeptosOptions;
use std::{net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] db::DbSetupError),
    #[error(transparent)]
    Secret(#[from] secrets::SecretError),
    #[error("could not create the admin from ADMIN_EMAIL: {0}")]
    FirstAdmin(AppError),
    #[error("could not add the demo data: {0}")]
    Demo(AppError),
    #[error("the CSP_* settings make an unprintable Content-Security-Policy")]
    Policy,
    #[error("could not start the real-time event pump: {0}")]
    Events(sqlx::Error),
    #[error("could not set up the routing service's client: {0}")]
    Routing(String),
    #[error("could not start the metrics recorder: {0}")]
    Metrics(String),
    #[error("could not set up the Stripe client: {0}")]
    Payments(String),
    #[error("VAPID_PRIVATE_KEY (or the data directory's vapid_private_key) is unusable: {0}")]
    Push(String),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    live: Hub,
    /// Positions not yet written are written on the way out.
    stopping: (Tracker, app::backend::Db),
    /// The push sender, which finishes the pushes it is sending on the way out.
    push: Option<app::backend::push::Running>,
    pub addr: SocketAddr,
    /// What the router serves, as `(METHOD, path)` (`routes::served`).
    pub routes: Vec<(String, String)>,
    /// The admin made from `ADMIN_EMAIL` on this start, if one was.
    pub first_admin: Option<Account>,
    /// The demo accounts added on this start, if they were.
    pub demo_logins: Option<Vec<DemoLogin>>,
}

impl Application {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let secret = secrets::jwt_secret(config.jwt_secret.as_deref(), &config.data_dir)?;
        // Push on or off is read here once: the pool queues pushes and the
        // sender runs only when it is on.
        let push_on = config
            .features
            .enabled(app::domain::Feature::PushNotifications);
        let pool = db::connect(&config.database_url, config.db_max_connections)
            .await?
            .queuing_pushes(push_on);
        db::migrate(&pool).await?;
        let first_admin = match &config.first_admin {
            Some(a) => seed::bootstrap_admin(
                &pool,
                &a.email,
                &a.name,
                a.password.clone(),
                Timestamp::now(),
            )
            .await
            .map_err(StartupError::FirstAdmin)?,
            None => None,
        };
        let demo_logins = if config.demo_data {
            seed::seed_demo(&pool, Timestamp::now())
                .await
                .map_err(StartupError::Demo)?
        } else {
            None
        };
        let bind_err = |source| StartupError::Bind {
            addr: config.listen_addr,
            source,
        };
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        // Built from our own config rather than `get_configuration`, which
        // needs variables only cargo-leptos sets.
        // The names cargo-leptos gives the bundle (`[[workspace.metadata.leptos]]`).
        const OUTPUT_NAME: &str = "curbside";
        const PKG_DIR: &str = "pkg";
        let assets = BuildAssets::load(OUTPUT_NAME, &config.site_root, PKG_DIR, &config.hash_file);
        let leptos_options = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(config.site_root.as_str())
            .site_pkg_dir(PKG_DIR)
            .site_addr(addr)
            .env(config.leptos_env.clone())
            .hash_files(assets.hashed)
            .hash_file(config.hash_file.as_str().into())
            .build();
        let live = Hub::new(config.events_stream_buffer);
        let postgres = pool.backend() == Backend::Postgres;
        live.start(
            pool.clone(),
            postgres.then_some(config.database_url.as_str()),
            config.events_safety_poll,
        )
        .await
        .map_err(StartupError::Events)?;
        Hub::start_pruning(pool.clone(), config.events_retention);
        let hub = live.clone();
        let routing: Option<Arc<dyn EtaSource>> = match &config.osrm_url {
            Some(url) => Some(Arc::new(
                Osrm::new(url, config.osrm_timeout).map_err(StartupError::Routing)?,
            )),
            None => None,
        };
        let tracker = Tracker::new(config.eta_model, routing, config.location_trail);
        tracker.start_writing(pool.clone());
        let stopping = (tracker.clone(), pool.clone());
        let (push, push_sender) = push_config(config, push_on, &pool)?;
        let photos = photo_storage(config, &secret);
        app::backend::flows::photos::start_purging(pool.clone(), photos.clone());
        let state = AppState {
            leptos_options,
            assets: Arc::new(assets),
            db: pool,
            features: config.features,
            auth: Arc::new(AuthSettings {
                keys: TokenKeys::from_secret(&secret),
                session_ttl: config.session_ttl,
                secure_cookie: config.secure_cookies(),
                trust_forwarded_for: config.trust_forwarded_for,
                signups_per_hour: config.signups_per_hour,
            }),
            live,
            tracker,
            typing: Default::default(),
            messages_per_minute: config.messages_per_minute,
            payments: payments_gateway(config)?,
            push: Arc::new(push),
            photos: photos.clone(),
            map: Arc::new(config.map.clone()),
            policy: Arc::new(config.content_policy.clone()),
            metrics: match &config.metrics_token {
                Some(token) => Some(Arc::new(
                    app::api::metrics::install(token.clone()).map_err(StartupError::Metrics)?,
                )),
                None => None,
            },
        };
        let guards = Arc::new(WebGuards {
            default_policy: HeaderValue::from_str(&config.content_policy.header(None))
                .map_err(|_| StartupError::Policy)?,
            hsts: config.secure_cookies(),
            public_origin: config.public_origin(),
        });
        let router = routes::router(state, config.request_timeout, guards);
        let served = routes::served(&router);
        crate::api_answers::remember_routes(&served);
        Ok(Self {
            routes: served,
            listener,
            router,
            live: hub,
            stopping,
            push: push_sender,
            addr,
            first_admin,
            demo_logins,
        })
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // The peer address feeds login throttling per client.
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let live = self.live;
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                // Event streams never finish by themselves; end them so the
                // graceful shutdown does not wait for ever.
                live.close_all();
            })
            .await;
        let (tracker, db) = self.stopping;
        if let Err(e) = tracker.flush(&db).await {
            tracing::warn!(error = %e, "could not store the last positions");
        }
        if let Some(push) = self.push {
            push.stop().await;
        }
        served
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Push notifications: the VAPID key (configured, or generated once into
/// the data directory), and the sender draining the outbox, while
/// `ENABLE_PUSH_NOTIFICATIONS` is on. Off: nothing is queued or sent, and
/// the notification centre works as ever.
fn push_config(
    config: &Config,
    on: bool,
    db: &app::backend::Db,
) -> Result<(app::backend::push::PushConfig, Option<push::Running>), StartupError> {
    use app::backend::push::PushConfig;
    if !on {
        return Ok((PushConfig::default(), None));
    }
    let key = secrets::vapid_key(
        config.vapid_private_key.as_deref(),
        &config.data_dir,
        push::Vapid::generate_private,
    )?;
    let vapid = push::Vapid::from_private(&key, config.vapid_subject.clone())
        .map_err(StartupError::Push)?;
    let outbound = app::backend::outbound::Outbound {
        allow_loopback: config.push_allow_loopback_http,
        allowed_hosts: config.push_allowed_hosts.clone(),
    };
    let running = push::Sender::new(vapid.clone(), outbound.clone())
        .map_err(StartupError::Push)?
        .start(db.clone());
    Ok((
        PushConfig {
            vapid: Some(vapid),
            outbound,
        },
        Some(running),
    ))
}

/// Photos in S3 when `S3_BUCKET` is set, else under `DATA_DIR/photos`.
fn photo_storage(config: &Config, secret: &[u8]) -> app::backend::photos::Photos {
    use app::backend::photos::{
        PhotoSettings, Photos,
        signing::Signer,
        storage::{LocalDisk, S3},
    };
    let settings = PhotoSettings {
        url_ttl: config.photo_url_ttl,
        retention: config.photo_retention,
        concurrency: config.photo_concurrency,
        memory_mib: config.photo_memory_mib,
    };
    match &config.s3 {
        Some(s3) => {
            tracing::info!(bucket = %s3.bucket, "photos are stored in S3");
            Photos::s3(S3::new(s3), &settings)
        }
        None => Photos::local(
            LocalDisk::new(config.data_dir.join("photos"), Signer::from_secret(secret)),
            &settings,
        ),
    }
}

/// Stripe with its keys, or the labelled demo payment mode without them.
fn payments_gateway(config: &Config) -> Result<app::backend::payments::Gateway, StartupError> {
    use app::backend::payments::{Gateway, stripe::StripeApi};
    let Some(s) = &config.stripe else {
        if config.features.enabled(app::domain::Feature::Payments) {
            tracing::warn!("no STRIPE_* keys: payments run in the demo mode, no card is charged");
        }
        return Ok(Gateway::Demo);
    };
    let api = StripeApi::new(
        &s.secret_key,
        s.publishable_key.clone(),
        s.webhook_secret.clone(),
        s.api_base.as_deref(),
        s.js_url.clone(),
    )
    .map_err(StartupError::Payments)?;
    Ok(Gateway::Stripe(Arc::new(api)))
}
