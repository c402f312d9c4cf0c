/**
 * C's `strftime` in the C locale, for SSI's `$date_local` and `$date_gmt` with
 * `<!--#config timefmt="…" -->`. nginx's default format is `%A, %d-%b-%Y %H:%M:%S %Z`, and the
 * format `%s` alone gives the seconds since the epoch, as in nginx.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** nginx's default `timefmt`. */
export const DEFAULT_TIMEFMT = '%A, %d-%b-%Y %H:%M:%S %Z';

interface Parts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hours: number;
  minutes: number;
  seconds: number;
  /** Minutes east of UTC. */
  offset: number;
  zone: string;
}

function partsOf(date: Date, gmt: boolean): Parts {
  if (gmt) {
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth(),
      day: date.getUTCDate(),
      weekday: date.getUTCDay(),
      hours: date.getUTCHours(),
      minutes: date.getUTCMinutes(),
      seconds: date.getUTCSeconds(),
      offset: 0,
      zone: 'GMT',
    };
  }
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return {
    year: date.getFullYear(),
    month: date.getMonth(),
    day: date.getDate(),
    weekday: date.getDay(),
    hours: date.getHours(),
    minutes: date.getMinutes(),
    seconds: date.getSeconds(),
    offset: -date.getTimezoneOffset(),
    zone,
  };
}

const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

function dayOfYear(p: Parts): number {
  return Math.round((Date.UTC(p.year, p.month, p.day) - Date.UTC(p.year, 0, 1)) / 86_400_000) + 1;
}

function conversion(c: string, p: Parts, date: Date): string | undefined {
  switch (c) {
    case 'a': return DAYS[p.weekday].slice(0, 3);
    case 'A': return DAYS[p.weekday];
    case 'b':
    case 'h': return MONTHS[p.month].slice(0, 3);
    case 'B': return MONTHS[p.month];
    case 'c': return `${DAYS[p.weekday].slice(0, 3)} ${MONTHS[p.month].slice(0, 3)} ${pad(p.day, 2, ' ')} ${pad(p.hours)}:${pad(p.minutes)}:${pad(p.seconds)} ${p.year}`;
    case 'C': return pad(Math.floor(p.year / 100));
    case 'd': return pad(p.day);
    case 'D': return `${pad(p.month + 1)}/${pad(p.day)}/${pad(p.year % 100)}`;
    case 'e': return pad(p.day, 2, ' ');
    case 'F': return `${p.year}-${pad(p.month + 1)}-${pad(p.day)}`;
    case 'H': return pad(p.hours);
    case 'I': return pad(p.hours % 12 || 12);
    case 'j': return pad(dayOfYear(p), 3);
    case 'k': return pad(p.hours, 2, ' ');
    case 'l': return pad(p.hours % 12 || 12, 2, ' ');
    case 'm': return pad(p.month + 1);
    case 'M': return pad(p.minutes);
    case 'n': return '\n';
    case 'p': return p.hours < 12 ? 'AM' : 'PM';
    case 'r': return `${pad(p.hours % 12 || 12)}:${pad(p.minutes)}:${pad(p.seconds)} ${p.hours < 12 ? 'AM' : 'PM'}`;
    case 'R': return `${pad(p.hours)}:${pad(p.minutes)}`;
    case 's': return String(Math.floor(date.getTime() / 1000));
    case 'S': return pad(p.seconds);
    case 't': return '\t';
    case 'T': return `${pad(p.hours)}:${pad(p.minutes)}:${pad(p.seconds)}`;
    case 'u': return String(p.weekday || 7);
    case 'w': return String(p.weekday);
    case 'x': return `${pad(p.month + 1)}/${pad(p.day)}/${pad(p.year % 100)}`;
    case 'X': return `${pad(p.hours)}:${pad(p.minutes)}:${pad(p.seconds)}`;
    case 'y': return pad(p.year % 100);
    case 'Y': return String(p.year);
    case 'z': return `${p.offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(p.offset) / 60))}${pad(Math.abs(p.offset) % 60)}`;
    case 'Z': return p.zone;
    case '%': return '%';
    default: return undefined;
  }
}

/** `date` formatted by `format`, in UTC when `gmt`, else in this machine's time zone. */
export function strftime(format: string, date: Date, gmt: boolean): string {
  if (format === '%s') return String(Math.floor(date.getTime() / 1000));
  const parts = partsOf(date, gmt);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' || i + 1 >= format.length) {
      out += c;
      continue;
    }
    const converted = conversion(format[++i], parts, date);
    out += converted ?? `%${format[i]}`;
  }
  return out;
}
