//! Enums stored and sent as text, each variant's text written once.

/// Declares an enum whose variants each have one text form, the same in
/// the database, on the wire (serde), in URLs and in logs. `as_str`,
/// `parse`, `ALL`, `Serialize` and `Deserialize` all come from the one
/// list, so they cannot disagree. (`Display` is the enum's own choice:
/// some show a label to people.)
///
/// ```text
/// text_enum! {
///     #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
///     pub enum Role { Customer = "customer", Mechanic = "mechanic", Admin = "admin" }
/// }
/// ```
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; <[&str]>::len(&[$($text),+])] = [$($name::$variant),+];

            /// The text stored in the database and sent over the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The variant whose text is exactly `s`.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&s, &[$($text),+]))
            }
        }

        // Rows decode straight into the enum: a stored text no variant
        // has is a decode error naming the column, not a silent default.
        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Self::parse(&s)
                    .ok_or_else(|| format!("{s:?} is not a {}", stringify!($name)).into())
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Colour { Red = "red", DarkBlue = "dark_blue" }
    }

    #[test]
    fn text_parsing_serde_and_the_list_agree() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), c);
        }
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        assert_eq!(Colour::parse("Red"), None);
        let e = serde_json::from_str::<Colour>("\"green\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `green`"), "{e}");
    }

    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn rows_decode_into_the_enum_and_an_unknown_text_is_an_error() {
        sqlx::any::install_default_drivers();
        let db = sqlx::AnyPool::connect("sqlite::memory:").await.unwrap();
        let (c,): (Colour,) = sqlx::query_as("SELECT $1")
            .bind(Colour::DarkBlue)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(c, Colour::DarkBlue);
        let e = sqlx::query_as::<_, (Colour,)>("SELECT 'green'")
            .fetch_one(&db)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"green\" is not a Colour"), "{e}");
    }
}
