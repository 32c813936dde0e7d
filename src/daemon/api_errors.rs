//! The one conversion of store and engine errors to API errors: a missing
//! thing is a 404 wherever it is looked up, an ambiguous prefix a 409, the
//! rest the store's 500. (The API itself knows nothing of the store.)

use crate::api::{ApiError, ErrorCode};
use crate::engine::EngineError;
use crate::store::StoreError;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let code = match &e {
            StoreError::NotFound(_) | StoreError::Queued { .. } => ErrorCode::NotFound,
            StoreError::Ambiguous { .. } => ErrorCode::Ambiguous,
            _ => ErrorCode::Store,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::Store(e) => ApiError::from(e),
            other => ApiError::new(ErrorCode::Store, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_not_found_is_a_404() {
        let e = ApiError::from(StoreError::NotFound("run abc".into()));
        assert_eq!(e.code, ErrorCode::NotFound);
        assert_eq!(e.status(), 404);
    }

    #[test]
    fn an_engine_store_error_converts_as_the_store_error() {
        let e = ApiError::from(EngineError::Store(StoreError::NotFound("run abc".into())));
        assert_eq!(e.code, ErrorCode::NotFound);
    }
}
