//! Pages in lazily loaded pieces of the bundle (`cargo leptos build
//! --split`): a phone downloads an area's code only when it opens one of
//! its pages. Only the landing page and log-in are in the first download.
//!
//! The pages are grouped by area, one piece each, rather than one piece per
//! page: the splitter gives every set of pieces that share a function a
//! chunk of its own, so with a piece per page the job page needed 139
//! chunks, and instantiating that many modules kept a phone's main thread
//! busy for most of a second (docs/PERFORMANCE.md, "What a phone
//! downloads"). An area's pages are told apart by the path the router
//! matched; the router's own `<Route>`s (`ui::App`) decide which area.

use super::{
    account, admin, admin_map, admin_payments, admin_reports, auth, customer, garage, job,
    mechanic, notifications,
};
use crate::ui::ready;
use leptos::prelude::*;
use leptos_router::LazyRoute;
#[cfg(not(feature = "csr"))]
use leptos_router::lazy_route;

macro_rules! lazy_areas {
    ($($(#[$doc:meta])* $area:ident { $($page:ident => $view:path),* $(,)? })*) => {$(
        $(#[$doc])*
        pub struct $area(page::$area);

        #[cfg(not(feature = "csr"))]
        #[lazy_route]
        impl LazyRoute for $area {
            fn data() -> Self {
                ready::page_loading();
                Self(page::$area::at(&current_path()))
            }

            fn view(this: Self) -> AnyView {
                // Runs once the page has hydrated (or mounted, after a navigation).
                Effect::new(|_| ready::page_ready());
                match this.0 {
                    $(page::$area::$page => $view().into_any(),)*
                }
            }
        }

        // Trunk's client-side build has no splitter to resolve a lazy
        // function's imports (`__wasm_split_placeholder__`): every page is
        // in its one wasm, behind the same router type.
        #[cfg(feature = "csr")]
        impl LazyRoute for $area {
            fn data() -> Self {
                ready::page_loading();
                Self(page::$area::at(&current_path()))
            }

            async fn view(this: Self) -> AnyView {
                Effect::new(|_| ready::page_ready());
                match this.0 {
                    $(page::$area::$page => $view().into_any(),)*
                }
            }
        }
    )*};
}

/// Which page of each area a path is. The paths are the routes in `ui::App`.
mod page {
    #[derive(Clone, Copy)]
    pub enum Public {
        Register,
    }

    impl Public {
        pub fn at(_path: &str) -> Self {
            Self::Register
        }
    }

    #[derive(Clone, Copy)]
    pub enum Me {
        Account,
        Notifications,
    }

    impl Me {
        pub fn at(path: &str) -> Self {
            if path.starts_with("/notifications") {
                Self::Notifications
            } else {
                Self::Account
            }
        }
    }

    #[derive(Clone, Copy)]
    pub enum Customer {
        Home,
        Request,
        Garage,
        Job,
    }

    impl Customer {
        pub fn at(path: &str) -> Self {
            match path.trim_end_matches('/') {
                "/customer/request" => Self::Request,
                "/customer/garage" => Self::Garage,
                p if p.starts_with("/customer/jobs/") => Self::Job,
                _ => Self::Home,
            }
        }
    }

    #[derive(Clone, Copy)]
    pub enum Mechanic {
        Home,
        Profile,
        Job,
    }

    impl Mechanic {
        pub fn at(path: &str) -> Self {
            match path.trim_end_matches('/') {
                "/mechanic/profile" => Self::Profile,
                p if p.starts_with("/mechanic/jobs/") => Self::Job,
                _ => Self::Home,
            }
        }
    }

    #[derive(Clone, Copy)]
    pub enum Console {
        Home,
        Users,
        User,
        Audit,
        Jobs,
        Job,
        LiveMap,
        Payments,
        Payment,
        Reports,
    }

    impl Console {
        pub fn at(path: &str) -> Self {
            let rest = path.trim_end_matches('/').trim_start_matches("/admin");
            match rest {
                "/users" => Self::Users,
                "/audit" => Self::Audit,
                "/jobs" => Self::Jobs,
                "/map" => Self::LiveMap,
                "/payments" => Self::Payments,
                "/reports" => Self::Reports,
                r if r.starts_with("/users/") => Self::User,
                r if r.starts_with("/jobs/") => Self::Job,
                r if r.starts_with("/payments/") => Self::Payment,
                _ => Self::Home,
            }
        }
    }
}

/// The path the router is showing (on the server: the request's).
fn current_path() -> String {
    leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
}

lazy_areas! {
    /// Sign-up.
    Public { Register => auth::RegisterPage }
    /// Everyone's own pages: the account and the notification centre.
    Me { Account => account::AccountPage, Notifications => notifications::NotificationsPage }
    /// The customer's pages, their job page among them.
    Customer {
        Home => customer::CustomerHome,
        Request => customer::RequestPage,
        Garage => garage::GaragePage,
        Job => job::JobPage,
    }
    /// The mechanic's pages.
    Mechanic { Home => mechanic::MechanicHome, Profile => mechanic::ProfilePage, Job => job::JobPage }
    /// The admin console, desktop only.
    Console {
        Home => admin::AdminHome,
        Users => admin::UsersPage,
        User => admin::UserPage,
        Audit => admin::AuditPage,
        Jobs => admin::JobsPage,
        Job => job::JobPage,
        LiveMap => admin_map::LiveMapPage,
        Payments => admin_payments::PaymentsPage,
        Payment => admin_payments::PaymentPage,
        Reports => admin_reports::ReportsPage,
    }
}

#[cfg(test)]
mod tests {
    use super::page::*;

    #[test]
    fn each_path_is_its_own_page() {
        assert!(matches!(Customer::at("/customer"), Customer::Home));
        assert!(matches!(
            Customer::at("/customer/request"),
            Customer::Request
        ));
        assert!(matches!(
            Customer::at("/customer/garage/"),
            Customer::Garage
        ));
        assert!(matches!(Customer::at("/customer/jobs/j1"), Customer::Job));
        assert!(matches!(Mechanic::at("/mechanic"), Mechanic::Home));
        assert!(matches!(
            Mechanic::at("/mechanic/profile"),
            Mechanic::Profile
        ));
        assert!(matches!(Mechanic::at("/mechanic/jobs/j1"), Mechanic::Job));
        assert!(matches!(Me::at("/notifications"), Me::Notifications));
        assert!(matches!(Me::at("/account"), Me::Account));
        assert!(matches!(Console::at("/admin"), Console::Home));
        assert!(matches!(Console::at("/admin/users"), Console::Users));
        assert!(matches!(Console::at("/admin/users/u1"), Console::User));
        assert!(matches!(Console::at("/admin/jobs"), Console::Jobs));
        assert!(matches!(Console::at("/admin/jobs/j1"), Console::Job));
        assert!(matches!(Console::at("/admin/map"), Console::LiveMap));
        assert!(matches!(Console::at("/admin/payments"), Console::Payments));
        assert!(matches!(
            Console::at("/admin/payments/p1"),
            Console::Payment
        ));
        assert!(matches!(Console::at("/admin/reports"), Console::Reports));
        assert!(matches!(Console::at("/admin/audit"), Console::Audit));
    }
}
