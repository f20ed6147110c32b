/**
 * The SMS channel (Twilio): signed webhooks that normalise incoming SMS for the ingress, and the
 * `ChannelSender` the outbound worker uses. The composition root wires both (see docs/sms.md).
 */
export { normalisePhone } from "./phone.js";
export { measureSms, renderSms, type SmsPart, type SmsRenderOptions, smsCost } from "./render.js";
export { createSmsSender, type SmsSenderOptions, toSendError } from "./sender.js";
export { smsStatusKeys } from "./status-store.js";
export { createTwilioRest, type TwilioRestOptions } from "./twilio-rest.js";
export {
  createSmsWebhook,
  type SmsWebhookOptions,
  type SmsWebhookPlugin,
  smsWebhookPath,
  statusWebhookPath,
  twilioMessageDeleter,
} from "./webhook.js";
