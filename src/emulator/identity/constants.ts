/** Wire constants of the identity platform. */
export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
