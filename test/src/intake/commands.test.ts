import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../src/intake/commands.js";
import type { CommandName } from "../../../src/intake/messages.js";

const table: Array<[string, CommandName | undefined]> = [
  ["help", "help"],
  ["/help", "help"],
  ["HELP", "help"],
  ["info", "help"],
  ["Aide", "help"],
  ["ayuda", "help"],
  ["مساعدة", "help"],
  ["ПОМОЩЬ", "help"],
  ["back", "back"],
  ["retour", "back"],
  ["Atrás", "back"],
  ["atras", "back"],
  ["رجوع", "back"],
  ["назад", "back"],
  ["restart", "restart"],
  ["recommencer", "restart"],
  ["reiniciar", "restart"],
  ["من جديد", "restart"],
  ["заново", "restart"],
  ["/language", "language"],
  ["langue", "language"],
  ["idioma", "language"],
  ["اللغة", "language"],
  ["язык", "language"],
  ["delete", "delete"],
  ["/delete", "delete"],
  ["Supprimer", "delete"],
  ["effacer", "delete"],
  ["borrar", "delete"],
  ["حذف", "delete"],
  ["удалить", "delete"],
  ["/wipe", "wipe"],
  ["wipe", "wipe"],
  ["/start", "start"],
  ["/start@hrd_bot", "start"],
  ["START", "unstop"],
  ["unstop", "unstop"],
  ["старт", "unstop"],
  // SMS opt-out keywords
  ["STOP", "stop"],
  ["stopall", "stop"],
  ["UNSUBSCRIBE", "stop"],
  ["cancel", "stop"],
  ["End", "stop"],
  ["QUIT", "stop"],
  ["revoke", "stop"],
  ["OPTOUT", "stop"],
  ["ARRÊT", "stop"],
  ["arret", "stop"],
  ["désabonner", "stop"],
  ["parar", "stop"],
  ["baja", "stop"],
  ["توقف", "stop"],
  ["إلغاء", "stop"],
  ["СТОП", "stop"],
  ["отписаться", "stop"],
  // not commands
  ["", undefined],
  ["yes", undefined],
  ["1", undefined],
  ["please help me, they are following me", undefined],
  ["stop the police from arresting my brother", undefined],
  ["/unknown", undefined],
];

describe("parseCommand", () => {
  it.each(table)("%s -> %s", (input, expected) => {
    expect(parseCommand(input)).toBe(expected);
    expect(parseCommand(`  ${input}  `, "fr")).toBe(expected);
  });
});
