"""Online pre-filing, appointments and the window queue (issue 16)."""
