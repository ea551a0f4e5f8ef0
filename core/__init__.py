"""The ground floor: pieces every app shares (service errors, the API error format, downloads, form and admin
helpers, the phone-page shell). It imports no feature app."""
