//! A customer's vehicles (their garage): what identifies one, and the VIN check digit.

use super::AppError;
use crate::domain::VehicleId;
use crate::domain::text::collapse_spaces;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A 17-character Vehicle Identification Number whose check digit (ISO 3779,
/// position 9, as North America requires) is right. Stored upper case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vin(String);

/// Why a VIN was refused, each in words a customer can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinError {
    Length(usize),
    /// I, O and Q are never used, so they cannot be confused with 1 and 0.
    Character(char),
    CheckDigit {
        expected: char,
        found: char,
    },
}

impl fmt::Display for VinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VinError::Length(n) => write!(f, "A VIN has 17 characters; this one has {n}."),
            VinError::Character(c @ ('I' | 'O' | 'Q')) => write!(
                f,
                "A VIN never contains the letter {c}; check for a 1 or a 0 instead."
            ),
            VinError::Character(c) => write!(f, "A VIN has only letters and digits, not {c:?}."),
            VinError::CheckDigit { .. } => f.write_str(
                "That VIN does not add up (its 9th character is a check digit); check it for a mistyped character.",
            ),
        }
    }
}

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

fn transliterate(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c.to_digit(10)?,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

impl Vin {
    /// Accepts any case and ignores spaces and dashes people type between groups.
    pub fn parse(raw: &str) -> Result<Vin, VinError> {
        let vin: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let n = vin.chars().count();
        if n != 17 {
            return Err(VinError::Length(n));
        }
        let mut sum = 0;
        for (c, weight) in vin.chars().zip(WEIGHTS) {
            sum += transliterate(c).ok_or(VinError::Character(c))? * weight;
        }
        let expected = match sum % 11 {
            10 => 'X',
            d => char::from_digit(d, 10).unwrap_or('X'),
        };
        let found = vin.chars().nth(8).unwrap_or_default();
        if found != expected {
            return Err(VinError::CheckDigit { expected, found });
        }
        Ok(Vin(vin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const OLDEST_YEAR: i64 = 1900;
pub const NAME_MAX_CHARS: usize = 40;
pub const PLATE_MAX_CHARS: usize = 10;

/// A vehicle in a customer's garage, valid by construction ([`VehicleForm::parse`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub id: super::VehicleId,
    pub year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub colour: String,
    /// Upper case, single spaces: `AB12 CDE`.
    pub plate: String,
    pub vin: Option<String>,
}

impl Vehicle {
    /// `2016 Ford Focus Zetec`.
    pub fn title(&self) -> String {
        title(self.year, &self.make, &self.model, self.trim.as_deref())
    }
}

/// How a vehicle is named in lists: year, make, model and trim if any.
pub fn title(year: i64, make: &str, model: &str, trim: Option<&str>) -> String {
    match trim {
        Some(trim) => format!("{year} {make} {model} {trim}"),
        None => format!("{year} {make} {model}"),
    }
}

/// The vehicle form as typed, every value a string so each error names its field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VehicleForm {
    pub year: String,
    pub make: String,
    pub model: String,
    pub trim: String,
    pub colour: String,
    pub plate: String,
    pub vin: String,
}

/// What [`VehicleForm::parse`] yields: a vehicle without its id yet.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVehicle {
    pub year: i64,
    pub make: String,
    pub model: String,
    pub trim: Option<String>,
    pub colour: String,
    pub plate: String,
    pub vin: Option<Vin>,
}

impl NewVehicle {
    /// The vehicle as stored under `id`.
    pub fn into_vehicle(self, id: String) -> Vehicle {
        Vehicle {
            id: VehicleId::from(id),
            year: self.year,
            make: self.make,
            model: self.model,
            trim: self.trim,
            colour: self.colour,
            plate: self.plate,
            vin: self.vin.map(|v| v.0),
        }
    }
}

impl VehicleForm {
    /// Checks every field; `this_year` bounds the model year (next year's models are sold now).
    pub fn parse(&self, this_year: i64) -> Result<NewVehicle, AppError> {
        let newest = this_year + 1;
        let year = self
            .year
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|y| (OLDEST_YEAR..=newest).contains(y))
            .ok_or_else(|| {
                AppError::invalid(
                    "year",
                    format!("Enter the model year, from {OLDEST_YEAR} to {newest}."),
                )
            })?;
        let make = name(&self.make, "make", "Enter the make, e.g. Ford.")?;
        let model = name(&self.model, "model", "Enter the model, e.g. Focus.")?;
        let trim = if self.trim.trim().is_empty() {
            None
        } else {
            Some(name(&self.trim, "trim", "")?)
        };
        let colour = name(
            &self.colour,
            "colour",
            "Enter the colour, so the mechanic can spot it.",
        )?;
        let plate = collapse_spaces(&self.plate).to_uppercase();
        let plate_chars = plate.chars().filter(|c| *c != ' ').count();
        if plate_chars == 0 {
            return Err(AppError::invalid(
                "plate",
                "Enter the number plate, e.g. AB12 CDE.",
            ));
        }
        if plate_chars > PLATE_MAX_CHARS
            || !plate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(AppError::invalid(
                "plate",
                format!("A number plate has up to {PLATE_MAX_CHARS} letters and digits."),
            ));
        }
        let vin = if self.vin.trim().is_empty() {
            None
        } else {
            Some(Vin::parse(&self.vin).map_err(|e| AppError::invalid("vin", e.to_string()))?)
        };
        Ok(NewVehicle {
            year,
            make,
            model,
            trim,
            colour,
            plate,
            vin,
        })
    }
}

fn too_long(field: &str) -> AppError {
    AppError::invalid(
        field,
        format!("Keep this to {NAME_MAX_CHARS} characters or fewer."),
    )
}

/// A short required name: spaces tidied, not empty, not too long.
fn name(raw: &str, field: &str, missing: &str) -> Result<String, AppError> {
    let s = collapse_spaces(raw);
    if s.is_empty() {
        return Err(AppError::invalid(field, missing));
    }
    if s.chars().count() > NAME_MAX_CHARS {
        return Err(too_long(field));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_vins_pass_their_check_digit() {
        for vin in [
            "1M8GDM9AXKP042788", // the textbook example: check digit X
            "1HGCM82633A004352",
            "11111111111111111",
            "5yj3e1ea2kf317000", // lower case is read as upper case
        ] {
            let parsed = Vin::parse(vin);
            assert!(parsed.is_ok(), "{vin}: {parsed:?}");
        }
        assert_eq!(
            Vin::parse("1m8gdm9a-xkp 042788").unwrap().as_str(),
            "1M8GDM9AXKP042788"
        );
    }

    #[test]
    fn wrong_vins_say_what_is_wrong() {
        assert_eq!(
            Vin::parse("1M8GDM9A1KP042788"),
            Err(VinError::CheckDigit {
                expected: 'X',
                found: '1'
            })
        );
        // One mistyped character elsewhere changes the sum.
        assert!(matches!(
            Vin::parse("1M8GDM9AXKP042789"),
            Err(VinError::CheckDigit { .. })
        ));
        assert_eq!(Vin::parse("1M8GDM9AXKP04278"), Err(VinError::Length(16)));
        assert_eq!(
            Vin::parse("1M8GDM9AXKO042788"),
            Err(VinError::Character('O'))
        );
        assert_eq!(
            Vin::parse("1M8GDM9AXKP04278!"),
            Err(VinError::Character('!'))
        );
        assert!(VinError::Character('I').to_string().contains("letter I"));
    }

    fn form() -> VehicleForm {
        VehicleForm {
            year: "2016".into(),
            make: " Ford ".into(),
            model: "Focus".into(),
            trim: "".into(),
            colour: "Blue".into(),
            plate: "ab12  cde".into(),
            vin: "".into(),
        }
    }

    fn field_of(f: VehicleForm) -> String {
        match f.parse(2026) {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_form_is_tidied() {
        let v = form().parse(2026).unwrap();
        assert_eq!((v.make.as_str(), v.plate.as_str()), ("Ford", "AB12 CDE"));
        assert_eq!((v.trim, v.vin), (None, None));
    }

    #[test]
    fn each_bad_field_is_named() {
        for (f, field) in [
            (
                VehicleForm {
                    year: "2028".into(),
                    ..form()
                },
                "year",
            ),
            (
                VehicleForm {
                    year: "1899".into(),
                    ..form()
                },
                "year",
            ),
            (
                VehicleForm {
                    year: "new".into(),
                    ..form()
                },
                "year",
            ),
            (
                VehicleForm {
                    make: " ".into(),
                    ..form()
                },
                "make",
            ),
            (
                VehicleForm {
                    model: "".into(),
                    ..form()
                },
                "model",
            ),
            (
                VehicleForm {
                    colour: "".into(),
                    ..form()
                },
                "colour",
            ),
            (
                VehicleForm {
                    plate: "".into(),
                    ..form()
                },
                "plate",
            ),
            (
                VehicleForm {
                    plate: "AB12CDE12345".into(),
                    ..form()
                },
                "plate",
            ),
            (
                VehicleForm {
                    plate: "AB12;".into(),
                    ..form()
                },
                "plate",
            ),
            (
                VehicleForm {
                    trim: "x".repeat(41),
                    ..form()
                },
                "trim",
            ),
            (
                VehicleForm {
                    vin: "1M8GDM9A1KP042788".into(),
                    ..form()
                },
                "vin",
            ),
        ] {
            assert_eq!(field_of(f.clone()), field, "{f:?}");
        }
        assert!(
            VehicleForm {
                year: "2027".into(),
                ..form()
            }
            .parse(2026)
            .is_ok()
        );
    }
}
