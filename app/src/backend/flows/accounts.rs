//! Account use cases: register, log in, log out, change password, edit profile.

use crate::backend::{
    AppState,
    db::Db,
    password, password_strength, profiles,
    sessions::{self, CurrentUser},
    store::{audit, users},
    throttle,
};
use crate::domain::Timestamp;
use crate::domain::UserId;
use crate::domain::admin::AuditAction;
use crate::domain::{
    Account, AccountStatus, AppError, Email, Role, SignedIn,
    account::{Overview, check_password, parse_name, parse_phone},
};
use serde_json::json;

/// A registration form as submitted.
pub struct Registration {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password: String,
    pub role: Role,
}

/// The request facts sign-in records: where it came from, with what browser.
pub struct Client {
    pub ip: String,
    pub user_agent: Option<String>,
}

const EMAIL_TAKEN: &str = "An account with this email already exists. Log in instead.";

#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    form: Registration,
    client: &Client,
    now: Timestamp,
) -> Result<SignedIn, AppError> {
    if form.role == Role::Admin {
        return Err(AppError::invalid("role", "Choose customer or mechanic."));
    }
    let name = parse_name(&form.name)?;
    let email = Email::parse(&form.email)?;
    let phone = parse_phone(
        form.phone.as_deref().unwrap_or_default(),
        form.role == Role::Mechanic,
    )?;
    // Counted before the email is looked up: "already exists" is an answer too.
    throttle::reserve_signup(&state.db, &client.ip, state.auth.signups_per_hour, now).await?;
    let Some((mut tx, account)) = open(
        &state.db,
        NewAccount {
            name,
            email,
            phone,
            role: form.role,
            status: form.role.initial_status(),
        },
        form.password,
        now,
    )
    .await?
    else {
        return Err(AppError::invalid("email", EMAIL_TAKEN));
    };
    let id = account.id.as_str();
    audit::record(
        &mut *tx,
        Some(id),
        AuditAction::AccountRegistered,
        Some(id),
        json!({ "role": form.role.as_str(), "ip": client.ip }),
        now,
    )
    .await?;
    let issued = sessions::start(
        &mut *tx,
        state,
        &account.id,
        client.user_agent.as_deref(),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %id, role = %form.role, "account registered");

    Ok(SignedIn {
        token: issued.token,
        expires_at: issued.expires_at,
        account,
    })
}

/// A new account whose fields passed the rules of the way it is being made.
pub(in crate::backend) struct NewAccount {
    pub name: String,
    pub email: Email,
    pub phone: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
}

/// Checks the password, hashes it and inserts the user in a transaction the
/// caller completes (its audit row, a first session) and commits. `None` when
/// the email is taken: each caller words that for its own audience.
pub(in crate::backend) async fn open(
    db: &Db,
    new: NewAccount,
    password: String,
    now: Timestamp,
) -> Result<Option<(crate::backend::db::Write, Account)>, AppError> {
    check_password(&password, new.email.as_str(), "password")?;
    password_strength::check(&password, new.email.as_str(), &new.name, "password")?;
    let email_lower = new.email.lower();
    // Spare the hash when the answer is already known; the unique index
    // below still settles two sign-ups racing for one address.
    if users::by_email(db, &email_lower).await?.is_some() {
        return Ok(None);
    }
    let password_hash = password::hash(password).await?;
    let id = UserId::from(crate::backend::new_id());
    let mut tx = crate::backend::db::begin_write(db).await?;
    let inserted = users::insert(
        &mut *tx,
        &users::NewUser {
            id: &id,
            email: new.email.as_str(),
            email_lower: &email_lower,
            name: &new.name,
            phone: new.phone.as_deref(),
            password_hash: &password_hash,
            role: new.role,
            status: new.status,
            now,
        },
    )
    .await?;
    if !inserted {
        return Ok(None);
    }
    let account = Account {
        id,
        name: new.name,
        email: new.email.as_str().to_owned(),
        phone: new.phone,
        role: new.role,
        status: new.status,
        created_at: now,
    };
    Ok(Some((tx, account)))
}

#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    email: &str,
    password: String,
    client: &Client,
    now: Timestamp,
) -> Result<SignedIn, AppError> {
    let email = Email::parse(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let email_lower = email.lower();
    let attempt = throttle::reserve(&state.db, &email_lower, &client.ip).await?;

    let user = users::by_email(&state.db, &email_lower).await?;
    let matches =
        match password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await {
            Ok(matches) => matches,
            // Not checked (the queue was full): not a guess either.
            Err(e) => {
                attempt.withdrawn(&state.db).await?;
                return Err(e);
            }
        };
    let Some(user) = user.filter(|_| matches) else {
        return Err(failed_attempt(state, attempt, &email_lower, client, now)
            .await?
            .unwrap_or(AppError::InvalidCredentials));
    };
    let account = user.account();
    if !account.status.may_sign_in() {
        attempt.withdrawn(&state.db).await?;
        let reason = user.status_reason.clone();
        // A mechanic turned down before ever being approved was rejected, not suspended.
        let rejected = account.role == Role::Mechanic
            && profiles::get(&state.db, &user.id)
                .await?
                .is_none_or(|(_, approved_at)| approved_at.is_none());
        return Err(if rejected {
            AppError::Rejected { reason }
        } else {
            AppError::Suspended { reason }
        });
    }
    attempt.signed_in(&state.db).await?;
    sessions::prune(&state.db, &user.id, now).await?;
    let issued = sessions::start(
        &state.db,
        state,
        &user.id,
        client.user_agent.as_deref(),
        now,
    )
    .await?;
    Ok(SignedIn {
        token: issued.token,
        expires_at: issued.expires_at,
        account,
    })
}

/// Records a wrong password for `email_lower`; when that locks the email or
/// the address, audits it and returns the lock-out to answer with instead.
async fn failed_attempt(
    state: &AppState,
    attempt: throttle::Attempt,
    email_lower: &str,
    client: &Client,
    now: Timestamp,
) -> Result<Option<AppError>, AppError> {
    let locked = attempt.failed(&state.db).await?;
    if locked.is_some() {
        tracing::warn!(email = %email_lower, ip = %client.ip, "password guessing locked after repeated failures");
        audit::record(
            &state.db,
            None,
            AuditAction::LoginLocked,
            None,
            json!({ "email": email_lower, "ip": client.ip }),
            now,
        )
        .await?;
    }
    Ok(locked)
}

/// Ends the session the request came with.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn logout(state: &AppState, user: &CurrentUser, now: Timestamp) -> Result<(), AppError> {
    sessions::revoke(&state.db, &user.session_id, now).await?;
    state.live.sessions_changed(&state.db, &user.id).await;
    Ok(())
}

/// Ends every session of the user, this one included: "I lost my phone".
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn logout_everywhere(
    state: &AppState,
    user: &CurrentUser,
    now: Timestamp,
) -> Result<u64, AppError> {
    let mut tx = crate::backend::db::begin_write(&state.db).await?;
    let ended = sessions::revoke_all(&mut *tx, &user.id, None, now).await?;
    audit::record(
        &mut *tx,
        Some(&user.id),
        AuditAction::SessionsRevokedAll,
        Some(&user.id),
        json!({ "sessions": ended }),
        now,
    )
    .await?;
    tx.commit().await?;
    state.live.sessions_changed(&state.db, &user.id).await;
    Ok(ended)
}

#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn update_profile(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    phone: Option<&str>,
    now: Timestamp,
) -> Result<Account, AppError> {
    let name = parse_name(name)?;
    let phone = parse_phone(phone.unwrap_or_default(), user.role == Role::Mechanic)?;
    users::update_profile(&state.db, &user.id, &name, phone.as_deref(), now).await?;
    Ok(Account {
        name,
        phone,
        ..user.account.clone()
    })
}

/// Changes the password after checking the current one, and ends every other
/// session: whoever else knew the old password is signed out at once. Wrong
/// current passwords count towards the same lock-out as failed logins, so a
/// borrowed session cannot be used to guess the password.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    current: String,
    new: String,
    client: &Client,
    now: Timestamp,
) -> Result<u64, AppError> {
    if current.is_empty() {
        return Err(AppError::invalid(
            "current_password",
            "Enter your current password.",
        ));
    }
    check_password(&new, &user.email, "new_password")?;
    password_strength::check(&new, &user.email, &user.name, "new_password")?;
    if new == current {
        return Err(AppError::invalid(
            "new_password",
            "Choose a password different from your current one.",
        ));
    }
    let email_lower = user.email.to_lowercase();
    let attempt = throttle::reserve(&state.db, &email_lower, &client.ip).await?;
    let row = users::by_id(&state.db, &user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let matches = match password::verify(current, Some(row.password_hash)).await {
        Ok(matches) => matches,
        Err(e) => {
            attempt.withdrawn(&state.db).await?;
            return Err(e);
        }
    };
    if !matches {
        return Err(failed_attempt(state, attempt, &email_lower, client, now)
            .await?
            .unwrap_or_else(|| {
                AppError::invalid("current_password", "That is not your current password.")
            }));
    }
    attempt.withdrawn(&state.db).await?;
    let hash = password::hash(new).await?;
    let mut tx = crate::backend::db::begin_write(&state.db).await?;
    users::set_password(&mut *tx, &user.id, &hash, now).await?;
    let ended = sessions::revoke_all(&mut *tx, &user.id, Some(&user.session_id), now).await?;
    audit::record(
        &mut *tx,
        Some(&user.id),
        AuditAction::PasswordChanged,
        Some(&user.id),
        json!({ "other_sessions_ended": ended }),
        now,
    )
    .await?;
    tx.commit().await?;
    state.live.sessions_changed(&state.db, &user.id).await;
    Ok(ended)
}

/// Accounts by role and status, for the admin console's first page.
pub async fn overview(state: &AppState) -> Result<Overview, AppError> {
    Ok(Overview::tally(users::counts(&state.db).await?))
}
