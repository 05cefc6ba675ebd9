//! Pages a customer never opens, each in its own lazily loaded piece of the
//! bundle (`cargo leptos build --split`): a phone downloads the admin
//! console's and the mechanic's code only when it opens one of their pages.

use super::{admin, admin_map, mechanic};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

macro_rules! lazy_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    AdminHome => admin::AdminHome,
    AdminUsers => admin::UsersPage,
    AdminUser => admin::UserPage,
    AdminJobs => admin::JobsPage,
    AdminAudit => admin::AuditPage,
    AdminLiveMap => admin_map::LiveMapPage,
    MechanicHome => mechanic::MechanicHome,
    MechanicProfile => mechanic::ProfilePage,
}
