//! Request bodies that stop arriving. A body that makes no progress for
//! `BODY_TIMEOUT_SECONDS` ends with an error for whatever reads it (forms, JSON, raw bytes,
//! multipart uploads alike); the request is then answered `408 Request Timeout` and its
//! connection closed, so a client cannot hold connections open with bodies it never sends.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage};
use futures_util::Stream;
use tokio::time::{Sleep, sleep};

use crate::web::error::AppError;
use crate::web::state::AppState;

/// A body that fails once no part of it has arrived for `limit` while it is being read.
struct Watched {
    inner: Payload,
    limit: Duration,
    /// Armed while the reader waits for a part; every part that arrives disarms it.
    deadline: Option<Pin<Box<Sleep>>>,
    stalled: Rc<Cell<bool>>,
}

impl Stream for Watched {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.stalled.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(part) = Pin::new(&mut this.inner).poll_next(cx) {
            this.deadline = None;
            return Poll::Ready(part);
        }
        let limit = this.limit;
        let deadline = this.deadline.get_or_insert_with(|| Box::pin(sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                this.stalled.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(
                    std::io::ErrorKind::TimedOut.into(),
                ))))
            }
        }
    }
}

/// Watches the request's body; answers 408 and closes the connection when it stalled.
pub async fn cut_off_stalled_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let stalled = Rc::new(Cell::new(false));
    let payload = req.take_payload();
    if matches!(payload, Payload::None) {
        req.set_payload(payload);
    } else {
        let seconds = req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered on the app")
            .settings
            .body_timeout_seconds;
        let watched: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Watched {
            inner: payload,
            limit: Duration::from_secs(seconds),
            deadline: None,
            stalled: stalled.clone(),
        });
        req.set_payload(Payload::from(watched));
    }
    let res = next.call(req).await?.map_into_boxed_body();
    if stalled.get() {
        return Ok(res.error_response(AppError::BodyTimeout));
    }
    Ok(res)
}
