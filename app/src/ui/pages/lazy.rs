//! Pages in lazily loaded pieces of the bundle (`cargo leptos build
//! --split`): a phone downloads a page's own code only when it opens that
//! page. The admin console's and the mechanic's pages are never in what a
//! customer downloads; of the customer's, only the landing page, log-in and
//! the job page (where a booked customer spends their time) are in the
//! first download, everything else follows when it is opened.

use super::{
    account, admin, admin_map, admin_payments, admin_reports, auth, customer, garage, mechanic,
    notifications,
};
use crate::ui::ready;
use leptos::prelude::*;
use leptos_router::LazyRoute;
#[cfg(not(feature = "csr"))]
use leptos_router::lazy_route;

macro_rules! lazy_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[cfg(not(feature = "csr"))]
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                ready::page_loading();
                Self
            }

            fn view(_this: Self) -> AnyView {
                // Runs once the page has hydrated (or mounted, after a navigation).
                Effect::new(|_| ready::page_ready());
                $page().into_any()
            }
        }

        // Trunk's client-side build has no splitter to resolve a lazy
        // function's imports (`__wasm_split_placeholder__`): every page is
        // in its one wasm, behind the same router type.
        #[cfg(feature = "csr")]
        impl LazyRoute for $route {
            fn data() -> Self {
                ready::page_loading();
                Self
            }

            async fn view(_this: Self) -> AnyView {
                Effect::new(|_| ready::page_ready());
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    Register => auth::RegisterPage,
    Account => account::AccountPage,
    Notifications => notifications::NotificationsPage,
    CustomerHome => customer::CustomerHome,
    CustomerRequest => customer::RequestPage,
    CustomerGarage => garage::GaragePage,
    AdminHome => admin::AdminHome,
    AdminUsers => admin::UsersPage,
    AdminUser => admin::UserPage,
    AdminJobs => admin::JobsPage,
    AdminAudit => admin::AuditPage,
    AdminLiveMap => admin_map::LiveMapPage,
    AdminPayments => admin_payments::PaymentsPage,
    AdminPayment => admin_payments::PaymentPage,
    AdminReports => admin_reports::ReportsPage,
    MechanicHome => mechanic::MechanicHome,
    MechanicProfile => mechanic::ProfilePage,
}
