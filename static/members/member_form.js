// The member form: as soon as a whole ID-card number is typed, the date of birth and the gender it holds are
// filled in where they are still empty (GB 11643: digits 7-14 the date of birth, the 17th odd for men). The server
// reads and checks them again whatever is sent; this only saves typing.
(function () {
  "use strict";
  function fill() {
    var idField = document.getElementById("id_id_number");
    if (!idField) { return; }
    var number = idField.value.replace(/\s+/g, "").toUpperCase();
    if (!/^[0-9]{17}[0-9X]$/.test(number)) { return; }
    var birth = document.getElementById("id_birth_date");
    if (birth && !birth.value) {
      birth.value = number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14);
    }
    var gender = document.getElementById("id_gender");
    if (gender && !gender.value) {
      gender.value = parseInt(number.charAt(16), 10) % 2 ? "M" : "F";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var idField = document.getElementById("id_id_number");
    if (idField) {
      idField.addEventListener("change", fill);
      idField.addEventListener("blur", fill);
    }
  });
})();
