// Shared by the studio's media scripts: translated messages, formatting and the JSON API.

const messagesNode = document.getElementById("uploader-messages");
const MSG = messagesNode ? JSON.parse(messagesNode.textContent) : {};
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const LANG = document.documentElement.lang || "en";
const MAX_API_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 30000;

const fill = (template, values) =>
  String(template || "").replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
const percentText = (fraction) =>
  new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 }).format(fraction);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt) =>
  Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 4);

function bytesText(bytes) {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(LANG, {
    style: "unit",
    unit: units[unit],
    unitDisplay: "short",
    maximumFractionDigits: value < 10 ? 1 : 0,
  }).format(value);
}

function durationText(seconds) {
  seconds = Math.max(1, Math.round(seconds));
  if (seconds < 60) return fill(MSG.seconds, { count: seconds });
  if (seconds < 3600) return fill(MSG.minutes, { count: Math.ceil(seconds / 60) });
  return fill(MSG.hours, {
    count: Math.floor(seconds / 3600),
    minutes: Math.floor((seconds % 3600) / 60),
  });
}

class HttpError extends Error {
  // reason: the app's word for what happened (upload_lost), where it gives one.
  constructor(message, status, reason = "") {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

const retryable = (error) =>
  !(error instanceof HttpError) || error.status >= 500 || error.status === 429;

async function api(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": CSRF,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(MSG.network);
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
  }
  if (!response.ok) {
    throw new HttpError(
      data?.error?.message || MSG.server_error,
      response.status,
      data?.error?.reason || "",
    );
  }
  return data;
}

async function apiWithRetry(method, url, body, isLive = () => true) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await api(method, url, body);
    } catch (error) {
      if (!retryable(error) || attempt >= MAX_API_ATTEMPTS || !isLive()) throw error;
      await sleep(backoff(attempt));
    }
  }
}

export {
  MSG,
  HttpError,
  api,
  apiWithRetry,
  backoff,
  bytesText,
  durationText,
  fill,
  percentText,
  retryable,
  sleep,
};
