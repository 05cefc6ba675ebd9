//! A mechanic's profile: what they do, where they are based, how far they travel, and its rules.

use super::AppError;
pub use super::geo::GeoPoint;
use crate::domain::text::collapse_spaces;
use crate::domain::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// The work a mechanic can offer; customers pick one of these as a job's category.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Skill {
        Diagnostics = "diagnostics",
        Brakes = "brakes",
        Battery = "battery",
        OilAndFluids = "oil_and_fluids",
        Tyres = "tyres",
        Suspension = "suspension",
        Electrical = "electrical",
        Engine = "engine",
        AirCon = "air_con",
        PrePurchaseInspection = "pre_purchase_inspection",
    }
}

impl Skill {
    pub fn label(self) -> &'static str {
        match self {
            Skill::Diagnostics => "Diagnostics",
            Skill::Brakes => "Brakes",
            Skill::Battery => "Battery",
            Skill::OilAndFluids => "Oil & fluids",
            Skill::Tyres => "Tyres",
            Skill::Suspension => "Suspension",
            Skill::Electrical => "Electrical",
            Skill::Engine => "Engine",
            Skill::AirCon => "Air-con",
            Skill::PrePurchaseInspection => "Pre-purchase inspection",
        }
    }
}

impl fmt::Display for Skill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

pub const DISPLAY_NAME_MAX_CHARS: usize = 80;
pub const BIO_MAX_CHARS: usize = 600;
pub const ADDRESS_MAX_CHARS: usize = 200;
pub const YEARS_MAX: u32 = 70;
pub const RADIUS_KM_MIN: u32 = 1;
pub const RADIUS_KM_MAX: u32 = 100;

/// A mechanic's profile, valid by construction: built only by [`ProfileForm::parse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MechanicProfile {
    pub display_name: String,
    pub bio: String,
    /// Sorted, no repeats, at least one.
    pub skills: Vec<Skill>,
    pub years_experience: u32,
    pub base: GeoPoint,
    /// The address as the mechanic typed it, shown back to them and to admins.
    pub base_address: String,
    pub radius_km: u32,
    pub available: bool,
}

impl MechanicProfile {
    /// Skills as stored in one column: `brakes,tyres`.
    pub fn skills_column(&self) -> String {
        self.skills
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored column back; an unknown name means the data is corrupt.
    pub fn skills_from_column(column: &str) -> Option<Vec<Skill>> {
        column
            .split(',')
            .filter(|s| !s.is_empty())
            .map(Skill::parse)
            .collect()
    }
}

/// The profile form as typed: every value a string, so each error can name its field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileForm {
    pub display_name: String,
    pub bio: String,
    pub skills: Vec<String>,
    pub years_experience: String,
    pub base_lat: String,
    pub base_lng: String,
    pub base_address: String,
    pub radius_km: String,
    pub available: bool,
}

impl ProfileForm {
    /// Checks every field; the first problem found is returned beside its field.
    pub fn parse(&self) -> Result<MechanicProfile, AppError> {
        let display_name = collapse_spaces(&self.display_name);
        if display_name.is_empty() {
            return Err(AppError::invalid(
                "display_name",
                "Enter the name customers will see, e.g. your business name.",
            ));
        }
        if display_name.chars().count() > DISPLAY_NAME_MAX_CHARS {
            return Err(AppError::invalid(
                "display_name",
                format!("Keep the name to {DISPLAY_NAME_MAX_CHARS} characters or fewer."),
            ));
        }
        let bio = self.bio.trim().to_owned();
        if bio.chars().count() > BIO_MAX_CHARS {
            return Err(AppError::invalid(
                "bio",
                format!("Keep the description to {BIO_MAX_CHARS} characters or fewer."),
            ));
        }
        let mut skills = Vec::new();
        for raw in &self.skills {
            let skill = Skill::parse(raw.trim()).ok_or_else(|| {
                AppError::invalid(
                    "skills",
                    format!("\"{}\" is not a skill we offer.", raw.trim()),
                )
            })?;
            skills.push(skill);
        }
        skills.sort();
        skills.dedup();
        if skills.is_empty() {
            return Err(AppError::invalid(
                "skills",
                "Choose at least one kind of work you do.",
            ));
        }
        let years_experience = parse_whole(&self.years_experience)
            .filter(|y| *y <= YEARS_MAX)
            .ok_or_else(|| {
                AppError::invalid(
                    "years_experience",
                    format!(
                        "Enter your years of experience as a whole number from 0 to {YEARS_MAX}."
                    ),
                )
            })?;
        let lat = parse_degrees(&self.base_lat).filter(|l| (-90.0..=90.0).contains(l));
        let lat = lat.ok_or_else(|| {
            AppError::invalid(
                "base_lat",
                "Enter a latitude between -90 and 90, e.g. 51.5072.",
            )
        })?;
        let lng = parse_degrees(&self.base_lng).filter(|l| (-180.0..=180.0).contains(l));
        let lng = lng.ok_or_else(|| {
            AppError::invalid(
                "base_lng",
                "Enter a longitude between -180 and 180, e.g. -0.1276.",
            )
        })?;
        let base = GeoPoint::new(lat, lng).ok_or_else(|| {
            AppError::invalid("base_lat", "Those coordinates are not on the map.")
        })?;
        let base_address = collapse_spaces(&self.base_address);
        if base_address.is_empty() {
            return Err(AppError::invalid(
                "base_address",
                "Enter the area or address you work from.",
            ));
        }
        if base_address.chars().count() > ADDRESS_MAX_CHARS {
            return Err(AppError::invalid(
                "base_address",
                format!("Keep the address to {ADDRESS_MAX_CHARS} characters or fewer."),
            ));
        }
        let radius_km = parse_whole(&self.radius_km)
            .filter(|r| (RADIUS_KM_MIN..=RADIUS_KM_MAX).contains(r))
            .ok_or_else(|| {
                AppError::invalid(
                    "radius_km",
                    format!(
                        "Enter how far you travel as a whole number of km from {RADIUS_KM_MIN} to {RADIUS_KM_MAX}."
                    ),
                )
            })?;
        Ok(MechanicProfile {
            display_name,
            bio,
            skills,
            years_experience,
            base,
            base_address,
            radius_km,
            available: self.available,
        })
    }
}

impl From<&MechanicProfile> for ProfileForm {
    /// The saved profile as the form shows it for editing.
    fn from(p: &MechanicProfile) -> Self {
        ProfileForm {
            display_name: p.display_name.clone(),
            bio: p.bio.clone(),
            skills: p.skills.iter().map(|s| s.as_str().to_owned()).collect(),
            years_experience: p.years_experience.to_string(),
            base_lat: p.base.lat().to_string(),
            base_lng: p.base.lng().to_string(),
            base_address: p.base_address.clone(),
            radius_km: p.radius_km.to_string(),
            available: p.available,
        }
    }
}

/// `"on"`, `"true"`, `"1"` or `"yes"` (a ticked checkbox or an API client) mean yes.
pub fn parse_checkbox(raw: Option<&str>) -> bool {
    matches!(
        raw.map(|s| s.trim().to_ascii_lowercase()).as_deref(),
        Some("on" | "true" | "1" | "yes")
    )
}

fn parse_whole(raw: &str) -> Option<u32> {
    raw.trim().parse().ok()
}

fn parse_degrees(raw: &str) -> Option<f64> {
    raw.trim().parse::<f64>().ok().filter(|d| d.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ProfileForm {
        ProfileForm {
            display_name: "  Camden   Mobile Mechanics ".into(),
            bio: "Twenty years on German cars.".into(),
            skills: vec!["tyres".into(), "brakes".into(), "tyres".into()],
            years_experience: "12".into(),
            base_lat: "51.539".into(),
            base_lng: "-0.1426".into(),
            base_address: "Camden Town, London NW1".into(),
            radius_km: "15".into(),
            available: true,
        }
    }

    fn field_of(f: ProfileForm) -> String {
        match f.parse() {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_form_is_tidied_into_a_profile() {
        let p = form().parse().unwrap();
        assert_eq!(p.display_name, "Camden Mobile Mechanics");
        assert_eq!(p.skills, vec![Skill::Brakes, Skill::Tyres]);
        assert_eq!(p.skills_column(), "brakes,tyres");
        assert_eq!(p.years_experience, 12);
        assert_eq!((p.base.lat(), p.base.lng()), (51.539, -0.1426));
        assert_eq!(p.radius_km, 15);
        assert_eq!(ProfileForm::from(&p).parse().unwrap(), p);
    }

    #[test]
    fn radius_must_be_1_to_100_km() {
        for bad in ["0", "101", "-5", "12.5", "", "far"] {
            let f = ProfileForm {
                radius_km: bad.into(),
                ..form()
            };
            assert_eq!(field_of(f), "radius_km", "{bad:?}");
        }
        for good in ["1", "100", " 40 "] {
            let f = ProfileForm {
                radius_km: good.into(),
                ..form()
            };
            assert!(f.parse().is_ok(), "{good:?}");
        }
    }

    #[test]
    fn coordinates_must_be_on_the_map() {
        for (lat, lng, field) in [
            ("91", "0", "base_lat"),
            ("-90.5", "0", "base_lat"),
            ("NaN", "0", "base_lat"),
            ("inf", "0", "base_lat"),
            ("north", "0", "base_lat"),
            ("51.5", "180.01", "base_lng"),
            ("51.5", "", "base_lng"),
        ] {
            let f = ProfileForm {
                base_lat: lat.into(),
                base_lng: lng.into(),
                ..form()
            };
            assert_eq!(field_of(f), field, "{lat},{lng}");
        }
        assert!(GeoPoint::new(90.0, -180.0).is_some());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_none());
    }

    #[test]
    fn skills_come_from_the_fixed_list_and_at_least_one_is_needed() {
        let unknown = ProfileForm {
            skills: vec!["brakes".into(), "welding".into()],
            ..form()
        };
        match unknown.parse() {
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field, "skills");
                assert!(message.contains("welding"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let none = ProfileForm {
            skills: vec![],
            ..form()
        };
        assert_eq!(field_of(none), "skills");
        for s in Skill::ALL {
            assert_eq!(Skill::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            MechanicProfile::skills_from_column("brakes,air_con"),
            Some(vec![Skill::Brakes, Skill::AirCon])
        );
        assert_eq!(MechanicProfile::skills_from_column("brakes,welding"), None);
    }

    #[test]
    fn names_years_and_addresses_are_checked() {
        let blank_name = ProfileForm {
            display_name: "   ".into(),
            ..form()
        };
        assert_eq!(field_of(blank_name), "display_name");
        let old_hand = ProfileForm {
            years_experience: "71".into(),
            ..form()
        };
        assert_eq!(field_of(old_hand), "years_experience");
        let no_address = ProfileForm {
            base_address: "".into(),
            ..form()
        };
        assert_eq!(field_of(no_address), "base_address");
        let long_bio = ProfileForm {
            bio: "x".repeat(BIO_MAX_CHARS + 1),
            ..form()
        };
        assert_eq!(field_of(long_bio), "bio");
    }

    #[test]
    fn checkboxes_read_as_browsers_and_api_clients_send_them() {
        assert!(parse_checkbox(Some("on")) && parse_checkbox(Some("true")));
        assert!(!parse_checkbox(None) && !parse_checkbox(Some("false")));
    }
}
