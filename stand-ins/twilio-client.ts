/**
 * Points the official `twilio` client at another REST base (the stand-in in tests and the demo). The client
 * builds every URI as `https://api.twilio.com/...`; this RequestClient rewrites that origin just before the
 * request, so the rest of the client (auth, form encoding, RestException) behaves exactly as in production.
 */
import twilio from "twilio";
import type BaseRequestClient from "twilio/lib/base/RequestClient.js";
import type * as ResponseModule from "twilio/lib/http/response.js";

type TwilioResponse<T> = ResponseModule.default<T>;

const TWILIO_ORIGIN = /^https:\/\/api\.twilio\.com(?=\/|$)/;

/** A twilio RequestClient that sends `https://api.twilio.com/...` requests to `apiBase` instead. */
export class RebasedRequestClient extends twilio.RequestClient {
  private readonly apiBase: string;

  constructor(apiBase: string) {
    super();
    this.apiBase = apiBase.replace(/\/+$/, "");
  }

  override request<TData>(opts: BaseRequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    return super.request({ ...opts, uri: opts.uri.replace(TWILIO_ORIGIN, this.apiBase) });
  }
}

/** A real twilio client whose REST calls go to `apiBase` (e.g. TWILIO_API_BASE or a stand-in's `apiBase`). */
export function createTwilioClient(apiBase: string, accountSid: string, authToken: string): twilio.Twilio {
  return twilio(accountSid, authToken, { httpClient: new RebasedRequestClient(apiBase) });
}
