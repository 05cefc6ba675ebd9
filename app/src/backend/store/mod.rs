//! One file per table group: its row type and the SQL that reads it.
//! Use cases that change several tables at once live in `flows`.

pub mod fixes;
pub mod jobs;
pub mod quotes;
