// SPDX-License-Identifier: MIT
/* he.js — Hebrew strings. Same keys as en.js (tests/web/i18n.test.js checks). */
export default {
  'app.title': 'הקלטות',
  'app.subtitle': 'הקלטות שיחה, מורדות מהספק פעם אחת ומושמעות מהמטמון.',
  'app.skip': 'דילוג אל ההקלטות',
  'lang.label': 'שפה',

  'search.label': 'חיפוש לפי מזהה שיחה (Call SID)',
  'search.placeholder': 'CA…',
  'filter.label': 'מצב',
  'filter.all': 'כל המצבים',

  'state.remote': 'אצל הספק',
  'state.queued': 'בתור',
  'state.running': 'בהורדה',
  'state.ready': 'מוכנה',
  'state.failed': 'נכשלה',
  'state.missing': 'חסרה',

  'action.play': 'ניגון',
  'action.pause': 'השהיה',
  'action.loading': 'טוען…',
  'action.retry': 'ניסיון חוזר',
  'action.stop': 'עצירה',
  'action.loadMore': 'טעינת עוד',

  'aria.play': 'ניגון ההקלטה {sid}',
  'aria.pause': 'השהיית ההקלטה {sid}',
  'aria.loading': 'מכין את ההקלטה {sid}',
  'aria.retry': 'ניסיון חוזר להוריד את ההקלטה {sid}',
  'aria.progress': 'התקדמות ההורדה של ההקלטה {sid}',
  'aria.list': 'הקלטות',

  'list.loading': 'טוען הקלטות…',
  'list.empty': 'אין הקלטות מתאימות.',
  'list.count': 'מוצגות {n}',
  'list.countMore': 'מוצגות {n}, יש עוד',
  'list.error': 'לא ניתן לטעון את ההקלטות: {message}',

  'meta.duration': 'משך',
  'meta.size': 'גודל',
  'meta.unknown': '—',

  'progress.bytes': '{done} מתוך {total}',
  'progress.waiting': 'ממתין לספק…',
  'progress.attempt': 'ניסיון {n}',

  'player.checking': 'מכין…',
  'player.waiting': 'מוריד מהספק…',
  'player.ready': 'מתחיל…',
  'player.playing': 'מתנגנת',
  'player.paused': 'מושהית',
  'player.error': 'הניגון נכשל',
  'player.nowPlaying': 'מתנגנת עכשיו',
  'player.announce': '{state}: {sid}',

  'error.not_found': 'אצל הספק אין הקלטה של השיחה הזו.',
  'error.invalid': 'מזהה השיחה אינו תקין.',
  'error.auth': 'אין לך הרשאה לנגן את ההקלטה הזו.',
  'error.upstream': 'הורדת ההקלטה מהספק נכשלה.',
  'error.network': 'שגיאת רשת — בדקו את החיבור ונסו שוב.',
  'error.timeout': 'השרת לא ענה בזמן. נסו שוב.',
  'error.media': 'הדפדפן לא הצליח לנגן את הקובץ.',
  'error.generic': 'משהו השתבש.',
  'error.retryFailed': 'הניסיון החוזר נכשל: {message}',
  'error.coolDown': 'הניסיון האחרון נכשל זה עתה; אפשר לנסות שוב בעוד {n} שניות.',
  'error.detail': 'סיבה: {message}',
};
