//! Accounts made outside sign-up: admins (from the command line or the
//! environment) and the demo data a fresh installation starts with.

use super::{
    db::Db,
    flows::accounts::{self, NewAccount},
    password, profiles,
    store::{audit, users, vehicles},
};
use crate::domain::admin::AuditAction;
use crate::domain::{
    Account, AccountStatus, AppError, Email, Role,
    account::{parse_name, parse_phone},
    job::JobForm,
    mechanic::{GeoPoint, MechanicProfile, Skill},
    vehicle::VehicleForm,
};
use crate::domain::{Timestamp, UserId};
use serde_json::json;

/// How an admin came to exist, for the audit log.
#[derive(Debug, Clone, Copy)]
pub enum AdminSource {
    CommandLine,
    Environment,
}

/// Creates an admin after the same checks sign-up makes. Admins cannot sign
/// themselves up; this is the only way one is made.
pub async fn create_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: String,
    source: AdminSource,
    now: Timestamp,
) -> Result<Account, AppError> {
    let name = parse_name(name)?;
    let email = Email::parse(email)?;
    let new = NewAccount {
        name,
        email: email.clone(),
        phone: None,
        role: Role::Admin,
        status: AccountStatus::Active,
    };
    let Some((mut tx, account)) = accounts::open(db, new, password, now).await? else {
        return Err(taken(&email));
    };
    audit::record(
        &mut *tx,
        None,
        AuditAction::AdminCreated,
        Some(&account.id),
        json!({ "via": match source {
            AdminSource::CommandLine => "command line",
            AdminSource::Environment => "ADMIN_EMAIL",
        } }),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %account.id, "admin created");
    Ok(account)
}

fn taken(email: &Email) -> AppError {
    AppError::invalid(
        "email",
        format!(
            "An account with the email {} already exists.",
            email.as_str()
        ),
    )
}

/// `ADMIN_EMAIL` + `ADMIN_PASSWORD` at start-up: makes the first admin, and
/// only while there is none, so a later restart never adds or resets one.
pub async fn bootstrap_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: String,
    now: Timestamp,
) -> Result<Option<Account>, AppError> {
    if users::count_admins(db).await? > 0 {
        return Ok(None);
    }
    create_admin(db, email, name, password, AdminSource::Environment, now)
        .await
        .map(Some)
}

/// The password every demo account shares; printed at start-up beside the logins.
pub const DEMO_PASSWORD: &str = "curbside-demo";

/// One demo login, as printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: Role,
    pub status: AccountStatus,
    pub name: &'static str,
    pub email: &'static str,
}

struct DemoMechanic {
    display_name: &'static str,
    bio: &'static str,
    skills: &'static [Skill],
    years: u32,
    at: (f64, f64),
    address: &'static str,
    radius_km: u32,
}

struct DemoUser {
    role: Role,
    status: AccountStatus,
    name: &'static str,
    email: &'static str,
    phone: Option<&'static str>,
    mechanic: Option<DemoMechanic>,
    vehicle: Option<DemoVehicle>,
}

/// A demo customer's car, checked by the same rules as the garage form.
struct DemoVehicle {
    year: &'static str,
    make: &'static str,
    model: &'static str,
    trim: &'static str,
    colour: &'static str,
    plate: &'static str,
    vin: &'static str,
}

impl DemoVehicle {
    fn form(&self) -> VehicleForm {
        VehicleForm {
            year: self.year.into(),
            make: self.make.into(),
            model: self.model.into(),
            trim: self.trim.into(),
            colour: self.colour.into(),
            plate: self.plate.into(),
            vin: self.vin.into(),
        }
    }
}

/// The demo's one open job: Tom's flat battery in Kentish Town, in reach
/// of the Camden and Stratford mechanics, so they have something to quote on.
fn demo_job(vehicle_id: &str) -> JobForm {
    JobForm {
        vehicle_id: vehicle_id.into(),
        category: Skill::Battery.as_str().into(),
        description: "Won't start: it clicks when I turn the key and the dash lights dim. Parked outside since Sunday.".into(),
        lat: "51.5505".into(),
        lng: "-0.1404".into(),
        address: "41 Leighton Road, London NW5 2QE".into(),
        locality: "Kentish Town, London".into(),
        urgency: "asap".into(),
        ..JobForm::default()
    }
}

/// A small London: an admin, two customers, three approved mechanics spread
/// across the city and one awaiting review.
fn demo_users() -> Vec<DemoUser> {
    use AccountStatus::{Active, PendingApproval};
    use Skill::*;
    vec![
        DemoUser {
            role: Role::Admin,
            status: Active,
            name: "Alex Morgan",
            email: "admin@demo.curbside.test",
            phone: None,
            mechanic: None,
            vehicle: None,
        },
        DemoUser {
            role: Role::Customer,
            status: Active,
            name: "Priya Shah",
            email: "priya@demo.curbside.test",
            phone: Some("+44 7700 900123"),
            mechanic: None,
            vehicle: Some(DemoVehicle {
                year: "2016",
                make: "Ford",
                model: "Focus",
                trim: "Zetec",
                colour: "Blue",
                plate: "LD16 XKP",
                vin: "",
            }),
        },
        DemoUser {
            role: Role::Customer,
            status: Active,
            name: "Tom Becker",
            email: "tom@demo.curbside.test",
            phone: Some("+44 7700 900456"),
            mechanic: None,
            vehicle: Some(DemoVehicle {
                year: "2019",
                make: "Volkswagen",
                model: "Golf",
                trim: "",
                colour: "Grey",
                plate: "EY19 MHT",
                vin: "1HGCM82633A004352",
            }),
        },
        DemoUser {
            role: Role::Mechanic,
            status: Active,
            name: "Dan Okafor",
            email: "dan@demo.curbside.test",
            phone: Some("+44 7700 900201"),
            mechanic: Some(DemoMechanic {
                display_name: "Okafor Mobile Auto",
                bio: "Former dealership technician. Warning lights, flat batteries and electrical faults fixed on your driveway.",
                skills: &[Diagnostics, Electrical, Battery, Engine],
                years: 14,
                at: (51.5390, -0.1426),
                address: "Camden Town, London NW1",
                radius_km: 12,
            }),
            vehicle: None,
        },
        DemoUser {
            role: Role::Mechanic,
            status: Active,
            name: "Maria Kowalski",
            email: "maria@demo.curbside.test",
            phone: Some("+44 7700 900202"),
            mechanic: Some(DemoMechanic {
                display_name: "Kowalski Brakes & Tyres",
                bio: "Pads, discs, tyres and suspension. I carry the common parts for most family cars.",
                skills: &[Brakes, Tyres, Suspension],
                years: 9,
                at: (51.4613, -0.1156),
                address: "Brixton, London SW2",
                radius_km: 10,
            }),
            vehicle: None,
        },
        DemoUser {
            role: Role::Mechanic,
            status: Active,
            name: "Sam Reid",
            email: "sam@demo.curbside.test",
            phone: Some("+44 7700 900203"),
            mechanic: Some(DemoMechanic {
                display_name: "Reid Servicing",
                bio: "Servicing, air-con regas and pre-purchase inspections with a written report.",
                skills: &[OilAndFluids, AirCon, PrePurchaseInspection, Battery],
                years: 21,
                at: (51.5413, -0.0032),
                address: "Stratford, London E15",
                radius_km: 20,
            }),
            vehicle: None,
        },
        DemoUser {
            role: Role::Mechanic,
            status: PendingApproval,
            name: "Lee Chen",
            email: "lee@demo.curbside.test",
            phone: Some("+44 7700 900204"),
            mechanic: Some(DemoMechanic {
                display_name: "Chen Auto Electrics",
                bio: "Auto electrician, new to Curbside. Alarms, immobilisers, wiring and diagnostics.",
                skills: &[Electrical, Diagnostics],
                years: 6,
                at: (51.3762, -0.0982),
                address: "Croydon, London CR0",
                radius_km: 15,
            }),
            vehicle: None,
        },
    ]
}

/// Fills an empty database with the demo accounts. Does nothing (and returns
/// `None`) when any user exists, so it runs once per database; two servers
/// starting together on one database cannot both seed it.
pub async fn seed_demo(db: &Db, now: Timestamp) -> Result<Option<Vec<DemoLogin>>, AppError> {
    if users::count_all(db).await? > 0 {
        return Ok(None);
    }
    // One hash for the shared password: the salt is per hash, not per account,
    // and seven argon2 runs would slow every fresh start.
    let password_hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = super::db::begin_write(db).await?;
    let mut logins = Vec::new();
    let mut job_for = None;
    for u in demo_users() {
        let id = UserId::from(super::new_id());
        let email = Email::parse(u.email)?;
        let phone = parse_phone(u.phone.unwrap_or_default(), false)?;
        let inserted = users::insert(
            &mut *tx,
            &users::NewUser {
                id: &id,
                email: email.as_str(),
                email_lower: &email.lower(),
                name: u.name,
                phone: phone.as_deref(),
                password_hash: &password_hash,
                role: u.role,
                status: u.status,
                now,
            },
        )
        .await?;
        if !inserted {
            // Another server seeded (or someone signed up) between the count and here.
            return Ok(None);
        }
        if let Some(m) = &u.mechanic {
            let profile = MechanicProfile {
                display_name: m.display_name.to_owned(),
                bio: m.bio.to_owned(),
                skills: m.skills.to_vec(),
                years_experience: m.years,
                base: GeoPoint::new(m.at.0, m.at.1).ok_or(AppError::Internal)?,
                base_address: m.address.to_owned(),
                radius_km: m.radius_km,
                available: true,
            };
            profiles::upsert(&mut *tx, &id, &profile, now).await?;
            if u.status == AccountStatus::Active {
                profiles::mark_approved(&mut *tx, &id, now).await?;
            }
        }
        if let Some(v) = &u.vehicle {
            let vehicle = vehicles::insert(&mut *tx, &id, v.form().parse(now.year())?, now).await?;
            if u.email.starts_with("tom@") {
                job_for = Some((id.clone(), vehicle.id));
            }
        }
        logins.push(DemoLogin {
            role: u.role,
            status: u.status,
            name: u.name,
            email: u.email,
        });
    }
    audit::record(
        &mut *tx,
        None,
        AuditAction::DemoSeeded,
        None,
        json!({ "users": logins.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    if let Some((customer, vehicle)) = job_for {
        let mut tx = super::db::begin_write(db).await?;
        super::flows::booking::insert(&mut tx, &customer, &demo_job(&vehicle).parse(now)?, now)
            .await?;
        tx.commit().await?;
    }
    tracing::info!(users = logins.len(), "demo data added");
    Ok(Some(logins))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::check_password;

    #[test]
    fn demo_accounts_pass_the_rules_real_accounts_must() {
        let users = demo_users();
        for u in &users {
            assert!(Email::parse(u.email).is_ok(), "{}", u.email);
            assert!(parse_name(u.name).is_ok(), "{}", u.name);
            check_password(DEMO_PASSWORD, u.email, "password").unwrap();
            // Published in the README: no real account may choose it.
            assert!(
                crate::backend::password_strength::check(
                    DEMO_PASSWORD,
                    u.email,
                    u.name,
                    "password"
                )
                .is_err()
            );
            if let Some(m) = &u.mechanic {
                assert!(GeoPoint::new(m.at.0, m.at.1).is_some());
                assert!((1..=100).contains(&m.radius_km));
                assert!(parse_phone(u.phone.unwrap(), true).is_ok());
            }
            if let Some(v) = &u.vehicle {
                assert!(v.form().parse(2026).is_ok(), "{}", v.plate);
            }
        }
        assert!(demo_job("v").parse(Timestamp::EPOCH).is_ok());
        let count = |role, status| {
            users
                .iter()
                .filter(|u| u.role == role && u.status == status)
                .count()
        };
        assert_eq!(count(Role::Admin, AccountStatus::Active), 1);
        assert_eq!(count(Role::Customer, AccountStatus::Active), 2);
        assert_eq!(count(Role::Mechanic, AccountStatus::Active), 3);
        assert_eq!(count(Role::Mechanic, AccountStatus::PendingApproval), 1);
    }
}
