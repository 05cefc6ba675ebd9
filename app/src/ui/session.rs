//! Who is signed in, as the page knows it: fetched with the page, shared by the header and the areas.

use crate::ui::json::{Loaded, load};
use crate::{
    api::auth::me,
    domain::{
        Account, AppError,
        account::{login_url, page_redirect},
    },
};
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

/// The signed-in account, or `None`. Rendered on the server with the page,
/// so the first paint already knows; sign-in and sign-out reload the page.
#[derive(Clone, Copy)]
pub struct Session(pub Loaded<Option<Account>>);

impl Session {
    pub fn provide() {
        provide_context(Session(load(
            || (),
            |_| async {
                match me().await {
                    Ok(account) => Some(account),
                    Err(AppError::Unauthenticated) => None,
                    Err(e) => {
                        leptos::logging::warn!("could not load the session: {e}");
                        None
                    }
                }
            },
        )));
    }

    pub fn get() -> Self {
        expect_context()
    }
}

/// A full page load, so the server renders the page for the new session.
pub fn go_to(path: &str) {
    #[cfg(feature = "browser")]
    {
        let _ = window().location().set_href(path);
    }
    #[cfg(not(feature = "browser"))]
    let _ = path;
}

/// Shows `children` to a signed-in user allowed on this page (see
/// [`page_redirect`]: a role's area is for that role only) and provides their
/// [`Account`] to them. The server already redirects page loads by the same
/// rule; this covers navigation inside the app.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = Session::get();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let account = session.0.await;
                let path = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                match (page_redirect(account.as_ref().map(|a| a.role), &path), account) {
                    (None, Some(account)) => {
                        provide_context(account);
                        children.read_value()().into_any()
                    }
                    (Some(to), _) => view! { <Redirect path=to /> }.into_any(),
                    (None, None) => view! { <Redirect path=login_url(&path) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
